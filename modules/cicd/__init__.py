"""CI/CD: CodePipeline with CodeBuild (SPEC §3 "CI/CD")."""
