rule report:
    input:
        metrics=lambda w: [f"{d}/metrics.json" for d in run_dirs(w.experiment)],
        losses=lambda w: [f"{d}/losses.csv" for d in run_dirs(w.experiment)],
        config="results/{experiment}/config.yaml",
        published="config/published/toy2d.csv",
    output:
        html="results/{experiment}/report/index.html",
        summary="results/{experiment}/report/summary.csv",
        runs="results/{experiment}/report/runs.csv",
    params:
        runs=lambda w: run_dirs(w.experiment),
    log:
        "logs/{experiment}/report.log",
    shell:
        "python -m genlib report --runs {params.runs} --published {input.published}"
        " --config {input.config} --out-dir results/{wildcards.experiment}/report > {log} 2>&1"
