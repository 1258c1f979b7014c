"""Input: transcript readers, the manifest and the intake gate."""
