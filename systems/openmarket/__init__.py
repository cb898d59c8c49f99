"""OpenMarket (document 003): EKS, Aurora MySQL, Redis, S3 uploads and four Node.js functions."""

from systems import System

SYSTEM = System(
    name="openmarket",
    title="OpenMarket (document 003): EKS, Aurora MySQL writer + reader, Redis, S3 uploads, four Node.js functions",
    environments=("dev", "staging", "prod"),
    stack="systems.openmarket.stack:OpenMarketStack",
    settings_type="systems.openmarket.settings:OpenMarketSettings",
    validator="systems.openmarket.settings:validate",
    order=4,
)
