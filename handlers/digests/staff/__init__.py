"""Municipal staff's /digest: who gets the digest, when and in which language."""
