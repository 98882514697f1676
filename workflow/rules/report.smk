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
    log:
        REPORT.report_log,
    params:
        runs=run_dirs(),
        sweep=f"--sweep {' '.join(SWEEP)}" if SWEEP_RUNS else "",
        out_dir=lambda w: paths.experiment(w.experiment).report.folder,
    shell:
        "{PYTHON} -m genlib report --runs {params.runs} --published {input.published}"
        " --config {input.config} {params.sweep} --out-dir {params.out_dir} > {log} 2>&1"
