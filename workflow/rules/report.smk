def report_inputs(wildcards):
    """Every file of every run that the report reads."""
    files = []
    for run_dir, run in zip(run_dirs(wildcards.experiment), RUNS):
        files += [f"{run_dir}/metrics.json", f"{run_dir}/losses.csv"]
        if run.dataset in MIXTURE_NAMES:
            files.append(f"{run_dir}/scatter.png")
        else:
            files += [f"{run_dir}/{name}.png" for name in ("grid", "classes", "interpolation", "neighbours")]
            files.append(f"{run_dir}/fid_curve.csv")
            if is_diffusion(run.model):
                files += [f"{run_dir}/forward.png", f"{run_dir}/trajectory.png"]
    return files + sweep_metrics(wildcards.experiment)


rule report:
    input:
        runs=report_inputs,
        config="results/{experiment}/config.yaml",
        published=PUBLISHED,
    output:
        html=report("results/{experiment}/report/index.html", caption="../report/comparison.rst", category="Comparison"),
        summary="results/{experiment}/report/summary.csv",
        summary_json="results/{experiment}/report/summary.json",
        runs="results/{experiment}/report/runs.csv",
    params:
        runs=lambda w: run_dirs(w.experiment),
        sweep=f"--sweep {' '.join(SWEEP)}" if SWEEP_RUNS else "",
    log:
        "logs/{experiment}/report.log",
    shell:
        "{PYTHON} -m genlib report --runs {params.runs} --published {input.published}"
        " --config {input.config} {params.sweep} --out-dir results/{wildcards.experiment}/report > {log} 2>&1"
