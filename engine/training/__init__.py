"""Training: small heads fitted on the user's own data (and, later, fine-tuning jobs)."""
