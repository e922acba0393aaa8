"""What a resident or refugee does: join (language, the join code; the notice and the consents are ``handlers.consent``'s), the profile, feedback, their data, erasure and opting out."""
