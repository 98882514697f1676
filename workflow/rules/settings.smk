# Settings files written from the validated config: the inputs that make a job rerun when its settings change.
rule resolved_config:
    output:
        paths.experiment("{experiment}").resolved_config,
    params:
        config=config,
    run:
        write_text(output[0], yaml.safe_dump(params.config, sort_keys=False))


rule run_settings:
    output:
        RUN.settings,
    params:
        settings=lambda w: to_dict(run_settings(config, run_key(w))),
    run:
        write_json(output[0], params.settings)


rule evaluation_settings_file:
    output:
        paths.experiment("{experiment}").evaluation,
    params:
        settings=to_dict(EVALUATION),
    run:
        write_json(output[0], params.settings)
