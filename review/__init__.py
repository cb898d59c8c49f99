"""What a reviewer sees, from the synthesized JSON alone (no plan, no state, no network).

    python -m review cost [STACK ...] [--outdir DIR] [--json] [--compare BASE_DIR]
    python -m review diagram [STACK ...] [--outdir DIR]
    python -m review refresh-prices [--region R]   (needs the AWS price list; never in tests)

Reads every ``<outdir>/stacks/*/cdk.tf.json`` (or the stacks named), whatever
system built it: the cost rules and the drawing go by resource type.
"""
