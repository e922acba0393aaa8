"""What a resident or refugee does: join (onboarding, the data notice and consent), the profile, feedback, their data, erasure and opting out."""
