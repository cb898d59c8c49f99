"""``force_destroy``: dev is removed by one ``terraform destroy``; production never deletes contents."""

from __future__ import annotations

from dataclasses import replace

import pytest

import main
from environments import load
from systems.codemate.settings import validate
from modules.errors import ConfigError
from tests.conftest import synthesized
from tests.support import synth_settings

BUCKET, REPOSITORY = "aws_s3_bucket", "aws_ecr_repository"


@pytest.fixture
def prod():
    return synthesized("prod")


def test_dev_destroys_every_bucket_and_repository_with_its_contents(dev):
    buckets, repositories = dev.resources(BUCKET).values(), dev.resources(REPOSITORY).values()
    assert len(buckets) == 4 and len(repositories) == 2  # files, static, logs, artifacts; frontend, backend
    assert all(b["force_destroy"] is True for b in buckets)
    assert all(r["force_delete"] is True for r in repositories)


def test_prod_keeps_contents_out_of_a_destroy(prod):
    assert prod.resources(BUCKET) and all(b["force_destroy"] is False for b in prod.resources(BUCKET).values())
    assert all(r["force_delete"] is False for r in prod.resources(REPOSITORY).values())


def test_it_is_off_unless_an_environment_asks():
    assert replace(load("dev"), force_destroy=False).force_destroy is False
    assert load("staging").force_destroy is False and load("prod").force_destroy is False


def test_a_non_production_environment_may_opt_in():
    synth = synth_settings(replace(load("staging"), force_destroy=True))
    assert all(b["force_destroy"] is True for b in synth.resources(BUCKET).values())


def test_prod_refuses_force_destroy_with_the_fix():
    with pytest.raises(ConfigError) as caught:
        validate(replace(load("prod"), force_destroy=True))
    error = caught.value
    assert (error.environment, error.field, error.value) == ("prod", "force_destroy", True)
    assert "force_destroy=False" in error.fix


def test_main_stops_on_prod_force_destroy_before_writing_anything(tmp_path, capsys):
    outdir = tmp_path / "cdktf.out"
    code = main.main(["prod", "--outdir", str(outdir)], loader=lambda name: replace(load(name), force_destroy=True))
    assert code == main.EXIT_CONFIG_ERROR and not outdir.exists()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: [codemate:prod] force_destroy = True: ") and "Traceback" not in "\n".join(err)
