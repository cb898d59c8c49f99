"""What exists once per AWS account (the account baseline) and what ties an environment to its account."""
