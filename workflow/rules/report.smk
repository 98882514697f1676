def report_inputs(wildcards):
    """Every file of every run that the report reads."""
    return [f for key in RUNS for f in run_files(key)] + sweep_metrics()


REPORT = paths.experiment("{experiment}")


rule report:
    input:
        runs=report_inputs,
        config=REPORT.resolved_config,
        published=PUBLISHED,
    output:
        html=report(REPORT.report.page, caption="../report/comparison.rst", category="Comparison"),
        summary=REPORT.report.summary_csv,
        summary_json=REPORT.report.summary_json,
        runs=REPORT.report.runs_csv,
    params:
        runs=run_dirs(),
        sweep=f"--sweep {' '.join(SWEEP)}" if SWEEP_RUNS else "",
        out_dir=lambda w: paths.experiment(w.experiment).report.folder,
    log:
        REPORT.report_log,
    shell:
        "{PYTHON} -m genlib report --runs {params.runs} --published {input.published}"
        " --config {input.config} {params.sweep} --out-dir {params.out_dir} > {log} 2>&1"
