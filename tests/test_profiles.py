"""The execution profiles name only rules and resources the workflow has (checked without a cluster)."""

import re
from pathlib import Path

import yaml

from genlib.pipeline.resources import resource_problems

ROOT = Path(__file__).resolve().parents[1]


def workflow_rules() -> list[str]:
    sources = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    return [name for path in sources for name in re.findall(r"^rule (\w+):", path.read_text(), flags=re.M)]


def test_every_profile_sets_resources_of_existing_rules_only():
    rules = workflow_rules()
    assert {"train_images", "sample_images", "family_picture", "report"} <= set(rules)
    for profile in sorted((ROOT / "profiles").glob("*/config.yaml")):
        settings = yaml.safe_load(profile.read_text())
        per_rule = {rule: list(values) for rule, values in (settings.get("set-resources") or {}).items()}
        default = list(settings.get("default-resources") or {})
        assert resource_problems(default, per_rule, rules) == [], profile


def test_a_renamed_rule_left_in_a_profile_is_reported():
    problems = resource_problems([], {"sample_images_diffusion": ["runtime"]}, workflow_rules())
    assert problems and "'sample_images_diffusion' is not a rule of this workflow" in problems[0]
