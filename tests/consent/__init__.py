"""Tests of the data-protection notice, the consents, and /privacy."""
