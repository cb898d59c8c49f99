"""The emulator's lifecycle: patches only while it runs, one at a time; the CodeStar Connections fake."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from rehearsal import emulator
from rehearsal.emulator import Emulator, ProbeSession


def test_patches_are_undone_when_the_emulator_stops():
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.codebuild import responses as codebuild
    from moto.elasticache.models import ElastiCacheBackend
    from moto.moto_server import threaded_moto_server
    from moto.s3.models import FakeBucket

    def snapshot():
        return (FakeBucket.__dict__["_log_permissions_enabled_policy"], codebuild._validate_required_params_source,
                ElastiCacheBackend.create_replication_group, threaded_moto_server.DomainDispatcherApplication,
                hasattr(ApplicationAutoScalingResponse, "list_tags_for_resource"))

    before = snapshot()
    with Emulator():
        during = snapshot()
    assert all(a is not b for a, b in zip(before[:4], during[:4])) and during[4] is True
    assert snapshot() == before and before[4] is False


def test_only_one_patched_emulator_runs_in_a_process():
    with Emulator():
        with pytest.raises(RuntimeError, match="already running"):
            Emulator().__enter__()


def test_the_codestar_connections_fake_behaves_like_the_api():
    with Emulator() as url:
        client = ProbeSession(url).client("codestar-connections")
        arn = client.create_connection(ProviderType="GitHub", ConnectionName="c1",
                                       Tags=[{"Key": "Environment", "Value": "dev"}])["ConnectionArn"]
        assert arn.startswith(f"arn:aws:codestar-connections:ap-northeast-2:{emulator.ACCOUNT_ID}:connection/")
        connection = client.get_connection(ConnectionArn=arn)["Connection"]
        assert (connection["ConnectionName"], connection["ConnectionStatus"]) == ("c1", "PENDING")
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "Team", "Value": "infra"}])
        client.untag_resource(ResourceArn=arn, TagKeys=["Environment"])
        assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "Team", "Value": "infra"}]
        client.delete_connection(ConnectionArn=arn)
        with pytest.raises(ClientError) as gone:
            client.get_connection(ConnectionArn=arn)
        assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
