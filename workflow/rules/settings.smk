# Settings files written from the validated config: the inputs that make a job rerun when its settings change.
# Each is written by Snakemake itself (local rules; the profiles' force-use-threads runs them in a thread of the
# Snakemake process: no job process, no torch, no settings on a shell command line); the
# params, the settings as JSON, are what Snakemake compares to rerun a job whose settings changed.
rule resolved_config:
    output:
        paths.experiment("{experiment}").resolved_config,
    params:
        config=json.dumps(config),
    run:
        write_settings(output[0], json.loads(params.config), as_yaml=True)


rule run_settings:
    output:
        RUN.settings,
    params:
        settings=lambda w: json.dumps(to_dict(run_settings(config, run_key(w)))),
    run:
        write_settings(output[0], json.loads(params.settings))


rule evaluation_settings_file:
    output:
        paths.experiment("{experiment}").evaluation,
    params:
        settings=json.dumps(to_dict(EVALUATION)),
    run:
        write_settings(output[0], json.loads(params.settings))
