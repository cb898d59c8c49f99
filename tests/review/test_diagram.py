"""python -m review diagram: asserted on the DOT structure (clusters, nodes, labelled edges), not on pixels."""

from __future__ import annotations

import json
import struct

import pytest

from review.diagram import build, render, subnet_tiers
from review.stacks import load_stacks
from tests.review.conftest import run_review, write_stack
from tests.review.dot import Graph, parse


@pytest.fixture(scope="module")
def dots(synth_out, tmp_path_factory) -> dict[str, Graph]:
    """The DOT source of every synthesized stack (no Graphviz needed to write it)."""
    into = tmp_path_factory.mktemp("dot")
    return {stack.name: parse(render(build(stack), into, ("dot",))[0].read_text())
            for stack in load_stacks(synth_out)}


def test_every_stack_gets_a_picture(dots, stack_names):
    assert sorted(dots) == stack_names
    for graph in dots.values():
        assert graph.clusters("Region ap-northeast-2") and graph.root.all_nodes()


def test_region_contains_vpc_contains_az_contains_subnet(dots):
    graph = dots["dev"]
    subnet = graph.cluster("isolated subnet codemate-db-a-dev 10.0.21.0/24")
    assert graph.path_of(subnet)[1:] == ["Region ap-northeast-2", "VPC codemate-vpc-dev 10.0.0.0/16",
                                         "AZ ap-northeast-2a"]


def test_the_tier_comes_from_the_route_tables(dots, synth_out):
    graph = dots["prod"]
    for az in "ac":
        assert graph.clusters(f"public subnet codemate-public-{az}-prod")
        assert graph.clusters(f"private via NAT subnet codemate-app-{az}-prod")
        assert graph.clusters(f"isolated subnet codemate-db-{az}-prod")
    (prod,) = load_stacks(synth_out, ["prod"])
    tiers = subnet_tiers(prod)
    assert sorted(set(tiers.values())) == ["isolated", "private via NAT", "public"]


def test_a_subnet_without_a_route_to_a_gateway_is_isolated(tmp_path):
    write_stack(tmp_path, "s", {
        "aws_vpc": {"v": {"cidr_block": "10.1.0.0/16"}},
        "aws_subnet": {"a": {"vpc_id": "${aws_vpc.v.id}", "cidr_block": "10.1.1.0/24",
                             "availability_zone": "ap-northeast-2a"}},
        "aws_route_table": {"rt": {"vpc_id": "${aws_vpc.v.id}"}},
        "aws_route_table_association": {"x": {"subnet_id": "${aws_subnet.a.id}",
                                              "route_table_id": "${aws_route_table.rt.id}"}}})
    (stack,) = load_stacks(tmp_path)
    assert subnet_tiers(stack) == {"a": "isolated"}


def test_empty_subnets_are_still_drawn(dots):
    graph = dots["dev"]   # dev has one NAT (in public-a): public-c holds nothing
    empty = graph.cluster("public subnet codemate-public-c-dev")
    assert [a["label"] for a in empty.nodes.values()] == ["(empty)"]


def test_tasks_are_drawn_in_each_subnet_with_size_and_scaling_range(dots):
    graph = dots["prod"]
    for az in "ac":
        subnet = graph.cluster(f"private via NAT subnet codemate-app-{az}-prod")
        labels = [a["label"] for a in subnet.nodes.values()]
        assert "codemate-backend-service\n1024 CPU / 2048 MiB\ntasks 2-6" in labels
        assert "codemate-frontend-service\n512 CPU / 1024 MiB\ntasks 2-5" in labels


def test_listener_path_rules_lead_to_the_target_services_with_their_port(dots):
    graph = dots["prod"]
    (alb,) = graph.nodes("codemate-alb-prod")
    assert "HTTPS:443" in graph.label(alb) and "HTTP:80 redirects to HTTPS:443" in graph.label(alb)
    to_backend = graph.edges_labelled("HTTPS:443 /api/* /socket.io/* -> :3001")
    assert len(to_backend) == 2 and {e[0] for e in to_backend} == {alb}
    assert all("codemate-backend-service" in graph.label(e[1]) for e in to_backend)
    to_frontend = graph.edges_labelled("HTTPS:443 /* (default) -> :3000")
    assert all("codemate-frontend-service" in graph.label(e[1]) for e in to_frontend) and to_frontend


def test_security_group_rules_are_dashed_edges_labelled_with_the_port(dots):
    graph = dots["prod"]
    (to_db,) = graph.edges_labelled("sg tcp 5432")[:1]
    assert to_db[2]["style"] == "dashed"
    assert "postgres" in graph.label(to_db[1]) and "service" in graph.label(to_db[0])
    assert graph.edges_labelled("sg tcp 6379")
    assert graph.edges_labelled("sg tcp 443 from 0.0.0.0/0")
    assert not graph.edges_labelled("sg tcp 22")


def test_database_primary_and_standby_sit_in_different_zones_in_prod_only(dots):
    prod = dots["prod"]
    (standby,) = prod.nodes("standby (Multi-AZ)")
    (primary,) = [n for n in prod.nodes("codemate-db-prod") if "primary" in prod.label(n)]
    assert prod.cluster("codemate-db-c-prod").nodes.get(standby) is not None
    assert prod.cluster("codemate-db-a-prod").nodes.get(primary) is not None
    assert dots["dev"].nodes("standby") == []


def test_redis_primary_and_replica(dots):
    labels = [dots["prod"].label(n) for n in dots["prod"].nodes("codemate-redis-prod")]
    assert sorted(l.rsplit("\n", 1)[1] for l in labels) == ["primary", "replica"]
    assert len(dots["dev"].nodes("codemate-redis-dev")) == 1


def test_users_reach_the_load_balancer_through_dns_and_waf(dots):
    graph = dots["prod"]
    (users,) = graph.nodes("users")
    (dns,) = graph.nodes("Route 53")
    (waf,) = graph.nodes("WAF codemate-waf-prod")
    (alb,) = graph.nodes("codemate-alb-prod")
    hops = {(e[0], e[1]) for e in graph.edges if e[2].get("style") != "dashed"}
    assert {(users, dns), (dns, waf), (waf, alb)} <= hops
    dev = dots["dev"]   # its domain (SPEC §7) but no WAF: Route 53 straight to the load balancer
    (dev_users,) = dev.nodes("users")
    (dev_dns,) = dev.nodes("Route 53")
    (dev_alb,) = dev.nodes("codemate-alb-dev")
    assert dev.nodes("WAF") == []
    dev_hops = {(e[0], e[1]) for e in dev.edges if e[2].get("style") != "dashed"}
    assert {(dev_users, dev_dns), (dev_dns, dev_alb)} <= dev_hops
    assert not dev.edges_labelled("HTTP(S) to its AWS DNS name")


def test_regional_services_with_counts_and_cicd_outside_the_vpc(dots, synth_out):
    graph = dots["staging"]
    (stack,) = load_stacks(synth_out, ["staging"])
    regional = graph.cluster("Regional services")
    labels = "\n".join(a["label"] for a in regional.nodes.values())
    assert f"{len(stack.of_type('aws_kms_key'))} KMS keys" in labels
    assert f"{len(stack.of_type('aws_secretsmanager_secret'))} Secrets Manager secrets" in labels
    assert f"{len(stack.of_type('aws_s3_bucket'))} S3 buckets" in labels
    assert f"{len(stack.of_type('aws_cloudwatch_metric_alarm'))} alarms" in labels
    assert "<account_id>" in labels and "${" not in labels
    cicd = graph.cluster("CI/CD")
    assert graph.path_of(cicd) == ["staging (synthesized)"]
    assert len(graph.edges_labelled("deploy")) == 2


def test_functions_triggers_queues_dlqs_and_eks_from_a_hand_written_stack(tmp_path):
    write_stack(tmp_path, "s", {
        "aws_vpc": {"v": {"cidr_block": "10.2.0.0/16"}},
        "aws_subnet": {"a": {"vpc_id": "${aws_vpc.v.id}", "cidr_block": "10.2.1.0/24",
                             "availability_zone": "ap-northeast-2a"}},
        "aws_sqs_queue": {"q": {"name": "assignment-events",
                                "redrive_policy": "{\"deadLetterTargetArn\":\"${aws_sqs_queue.dlq.arn}\"}"},
                          "dlq": {"name": "assignment-events-dlq"}},
        "aws_lambda_function": {"f": {"function_name": "canvas-sync", "runtime": "python3.11", "memory_size": 512,
                                      "timeout": 300, "environment": {"variables": {
                                          "QUEUE": "${aws_sqs_queue.q.url}"}}},
                                "g": {"function_name": "consumer"}},
        "aws_lambda_event_source_mapping": {"m": {"event_source_arn": "${aws_sqs_queue.q.arn}",
                                                  "function_name": "${aws_lambda_function.g.arn}"}},
        "aws_cloudwatch_event_rule": {"daily": {"name": "daily", "schedule_expression": "cron(0 15 * * ? *)"}},
        "aws_cloudwatch_event_target": {"t": {"rule": "${aws_cloudwatch_event_rule.daily.name}",
                                              "arn": "${aws_lambda_function.f.arn}"}},
        "aws_eks_cluster": {"k": {"name": "market", "version": "1.35",
                                  "vpc_config": {"subnet_ids": ["${aws_subnet.a.id}"]}}},
        "aws_eks_node_group": {"n": {"cluster_name": "${aws_eks_cluster.k.name}", "node_group_name": "general",
                                     "instance_types": ["t3.medium"], "subnet_ids": ["${aws_subnet.a.id}"],
                                     "scaling_config": {"min_size": 2, "max_size": 4, "desired_size": 2}}},
    })
    (stack,) = load_stacks(tmp_path)
    graph = parse(render(build(stack), tmp_path / "d", ("dot",))[0].read_text())
    (queue,) = [n for n in graph.nodes("SQS assignment-events") if graph.label(n) == "SQS assignment-events"]
    (dlq,) = graph.nodes("assignment-events-dlq")
    assert (queue, dlq) in {(e[0], e[1]) for e in graph.edges_labelled("dead letters")}
    (consumer,) = graph.nodes("consumer")
    assert (queue, consumer) in {(e[0], e[1]) for e in graph.edges_labelled("triggers")}
    (schedule,) = graph.nodes("cron(0 15 * * ? *)")
    (sync,) = graph.nodes("canvas-sync")
    assert (schedule, sync) in {(e[0], e[1]) for e in graph.edges_labelled("triggers")}
    assert (sync, queue) in {(e[0], e[1]) for e in graph.edges_labelled("sends")}
    (nodes,) = graph.nodes("node group general")
    assert "t3.medium x 2-4" in graph.label(nodes)
    assert graph.cluster("isolated (main route table) subnet a 10.2.1.0/24").nodes.get(nodes) is not None
    (eks,) = graph.nodes("EKS market")
    assert (eks, nodes) in {(e[0], e[1]) for e in graph.edges}


def test_aurora_writer_and_reader_sit_in_the_database_subnets(tmp_path):
    write_stack(tmp_path, "s", {
        "aws_vpc": {"v": {"cidr_block": "10.3.0.0/16"}},
        "aws_subnet": {"a": {"vpc_id": "${aws_vpc.v.id}", "cidr_block": "10.3.21.0/24",
                             "availability_zone": "ap-northeast-2a"},
                       "c": {"vpc_id": "${aws_vpc.v.id}", "cidr_block": "10.3.22.0/24",
                             "availability_zone": "ap-northeast-2c"}},
        "aws_db_subnet_group": {"g": {"subnet_ids": ["${aws_subnet.a.id}", "${aws_subnet.c.id}"]}},
        "aws_rds_cluster": {"db": {"cluster_identifier": "market-db", "engine": "aurora-mysql",
                                   "db_subnet_group_name": "${aws_db_subnet_group.g.name}"}},
        "aws_rds_cluster_instance": {
            "one": {"cluster_identifier": "${aws_rds_cluster.db.id}", "engine": "aurora-mysql",
                    "instance_class": "db.t3.medium"},
            "two": {"cluster_identifier": "${aws_rds_cluster.db.id}", "engine": "aurora-mysql",
                    "instance_class": "db.t3.medium"}},
    })
    (stack,) = load_stacks(tmp_path)
    graph = parse(render(build(stack), tmp_path / "d", ("dot",))[0].read_text())
    (writer,) = [n for n in graph.nodes("market-db") if graph.label(n).endswith("writer")]
    (reader,) = [n for n in graph.nodes("market-db") if graph.label(n).endswith("reader")]
    assert graph.cluster("10.3.21.0/24").nodes.get(writer) is not None
    assert graph.cluster("10.3.22.0/24").nodes.get(reader) is not None
    assert (writer, reader) in {(e[0], e[1]) for e in graph.edges_labelled("replicates")}


def test_a_github_actions_deploy_role_is_drawn_in_ci_cd_with_what_it_deploys(tmp_path):
    write_stack(tmp_path, "s", {
        "aws_ecr_repository": {"r": {"name": "api"}},
        "aws_ecs_service": {"svc": {"name": "api-service"}},
        "aws_iam_role": {"deploy": {"name": "api-github-deploy", "assume_role_policy": json.dumps({
            "Statement": [{"Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}}]})},
                         "task": {"name": "task-role", "assume_role_policy": "{}"}},
        "aws_iam_role_policy": {"p": {"role": "${aws_iam_role.deploy.id}",
                                      "policy": "{\"Resource\": \"${aws_ecs_service.svc.id}\"}"}},
    })
    (stack,) = load_stacks(tmp_path)
    graph = parse(render(build(stack), tmp_path / "d", ("dot",))[0].read_text())
    (role,) = graph.nodes("OIDC role api-github-deploy")
    assert graph.cluster("CI/CD").nodes.get(role) is not None
    assert graph.nodes("task-role") == []
    (service,) = graph.nodes("api-service")
    assert (role, service) in {(e[0], e[1]) for e in graph.edges_labelled("deploy")}
    assert graph.edges_labelled("push image")


def test_renders_svg_and_png_with_no_system_graphviz(synth_out, tmp_path):
    """Graphviz and resvg compiled to WebAssembly (review/render): a PATH without dot or any system tool."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    done = run_review("diagram", "dev", "--outdir", str(synth_out), "--into", str(tmp_path / "d"),
                      env={"PATH": str(bin_dir)})
    assert done.returncode == 0, done.stderr
    png = (tmp_path / "d" / "dev.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 1000 and height > 500
    svg = (tmp_path / "d" / "dev.svg").read_text()
    assert svg.lstrip().startswith("<?xml")
    assert 'xlink:href="data:image/png;base64,' in svg and ".png\"" not in svg   # icons inlined: stands alone
    assert ">codemate&#45;alb&#45;dev</text>" in svg or ">codemate-alb-dev</text>" in svg   # labels laid out
    assert parse((tmp_path / "d" / "dev.dot").read_text()).clusters("VPC codemate-vpc-dev")


def test_the_png_has_text_drawn_in_the_shipped_font(tmp_path):
    """resvg gets DejaVu Sans from the npm package: a label darkens pixels (no system font needed)."""
    from review.diagram import draw

    def dark_pixels(label: str) -> int:
        png = tmp_path / f"{len(label)}.png"
        draw([{"dot": f'digraph {{ a [shape=plaintext label="{label}" fontsize=40] }}', "png": str(png)}])
        return _dark(png.read_bytes())

    assert dark_pixels("WWWWWWWWWW") > dark_pixels("") + 500


def _dark(png: bytes) -> int:
    """Pixels darker than mid-grey in an 8-bit RGBA PNG (what resvg writes)."""
    import zlib

    width, height = struct.unpack(">II", png[16:24])
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            data += png[at + 8:at + 8 + length]
        at += 12 + length
    raw, stride, rows, previous = zlib.decompress(data), width * 4, [], bytearray(width * 4)
    for y in range(height):
        filter_type, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - 4] if x >= 4 else 0
            up, up_left = previous[x], previous[x - 4] if x >= 4 else 0
            if filter_type == 1:
                line[x] = (line[x] + left) & 255
            elif filter_type == 2:
                line[x] = (line[x] + up) & 255
            elif filter_type == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif filter_type == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append(line)
        previous = line
    return sum(1 for line in rows for x in range(0, stride, 4) if line[x] < 128 and line[x + 3] > 0)


def test_without_the_renderer_it_says_in_one_line_how_to_install_it(synth_out, tmp_path, monkeypatch):
    from review import diagram

    monkeypatch.setattr(diagram, "RENDER_DIR", tmp_path / "no-renderer")
    assert diagram.run(synth_out, ["dev"], tmp_path / "d", ("dot", "svg", "png")) == 3
    assert not (tmp_path / "d").exists()
    assert "make diagram" in diagram.renderer_problem() and "\n" not in diagram.renderer_problem()


def test_only_the_source_needs_no_renderer(synth_out, tmp_path, monkeypatch):
    from review import diagram

    monkeypatch.setattr(diagram, "RENDER_DIR", tmp_path / "no-renderer")
    assert diagram.run(synth_out, ["dev"], tmp_path / "d", ("dot",)) == 0
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["dev.dot"]


def test_a_layout_error_is_one_line(tmp_path):
    from review.diagram import RenderError, draw

    with pytest.raises(RenderError) as caught:
        draw([{"dot": "digraph { a -> }", "svg": str(tmp_path / "x.svg")}])
    assert str(caught.value).startswith("error: Graphviz could not lay out") and "\n" not in str(caught.value)
