"""CI/CD: CodePipeline with CodeBuild ."""
