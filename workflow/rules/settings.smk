# Settings files written from the validated config: the inputs that make a job rerun when its settings change.
# Each is a light `genlib write-settings` call (no torch, no second parse of the workflow).
rule resolved_config:
    output:
        paths.experiment("{experiment}").resolved_config,
    params:
        config=json.dumps(config),
    shell:
        "{PYTHON} -m genlib write-settings --yaml --json {params.config:q} --out {output}"


rule run_settings:
    output:
        RUN.settings,
    params:
        settings=lambda w: json.dumps(to_dict(run_settings(config, run_key(w)))),
    shell:
        "{PYTHON} -m genlib write-settings --json {params.settings:q} --out {output}"


rule evaluation_settings_file:
    output:
        paths.experiment("{experiment}").evaluation,
    params:
        settings=json.dumps(to_dict(EVALUATION)),
    shell:
        "{PYTHON} -m genlib write-settings --json {params.settings:q} --out {output}"
