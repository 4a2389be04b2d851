"""Domain-name arithmetic (reconciler.domains) and the names the hosting kinds derive."""
from __future__ import annotations

from controllers.alb.compare import health_check_path
from reconciler import naming
from reconciler.domains import covers, covers_all, plain, zone_for
from reconciler.registrar import Record, table
from tests.support import design, write_app


def test_a_wildcard_covers_exactly_one_label():
    assert covers("*.example.com", "www.example.com")
    assert not covers("*.example.com", "example.com") and not covers("*.example.com", "a.b.example.com")
    assert covers_all(["example.com", "*.example.com"], ["example.com", "shop.example.com"])
    assert plain("Shop.Example.COM.") == "shop.example.com" and plain("\\052.example.com.") == "*.example.com"


def test_the_longest_suffix_zone_wins_and_zones_sharing_a_name_are_all_returned():
    zones = [{"Id": "1", "Name": "example.com."}, {"Id": "2", "Name": "shop.example.com."},
             {"Id": "3", "Name": "example.com."}, {"Id": "4", "Name": "ample.com."}]
    assert [z["Id"] for z in zone_for("www.shop.example.com", zones)] == ["2"]
    assert [z["Id"] for z in zone_for("blog.example.com", zones)] == ["1", "3"]
    assert zone_for("example.org", zones) == []


def test_target_group_names_fit_32_characters_and_stay_apart():
    long_app = "a-very-long-application-name-xyz"
    name = naming.target_group_name("production-east", long_app, 8080)
    assert len(name) <= 32 and not name.endswith("-")
    assert name != naming.target_group_name("production-east", long_app, 3000)
    assert naming.target_group_name("dev", "site", 80) == "sc-dev-site-80"


def test_hosted_ui_prefixes_avoid_the_words_cognito_refuses():
    prefix = naming.hosted_ui_prefix("dev", "aws-cognito-shop", "123456789012")
    assert "aws" not in prefix and "cognito" not in prefix and len(prefix) <= 63


def test_the_health_check_path_comes_from_the_entrypoint_healthcheck_on_its_port(tmp_path):
    compose = """\
services:
  web:
    image: nginx
    ports: ["8080:8080"]
    healthcheck: {test: ["CMD-SHELL", "curl -fsS http://localhost:8080/healthz || exit 1"]}
"""
    [env] = design(write_app(tmp_path, "shop", compose=compose, dockerfile=None, spec_extra="hosting: {domain: example.com}\n"))
    assert health_check_path(env.apps[0]) == "/healthz"
    [env] = design(write_app(tmp_path, "other", spec_extra="hosting: {domain: example.com, healthCheckPath: /up}\n"))
    assert health_check_path(env.apps[0]) == "/up"
    [env] = design(write_app(tmp_path, "plain", spec_extra="hosting: {domain: example.com}\n"))
    assert health_check_path(env.apps[0]) == "/"


def test_the_registrar_table_lines_up_and_says_what_is_not_known_yet():
    lines = table([Record("_x.example.com.", "CNAME", "_y.acm-validations.aws.", "certificate validation"),
                   Record("example.com", "CNAME", None, "the site, through CloudFront")])
    assert lines[0].split() == ["NAME", "TYPE", "VALUE"]
    assert lines[1].split() == ["_x.example.com.", "CNAME", "_y.acm-validations.aws."]
    assert "run again" in lines[2] and "ALIAS/ANAME" in lines[3]
    assert len({line.index("CNAME") for line in lines[1:3]}) == 1
