rule sample_points:
    input:
        checkpoint=RUN_DIR + "/checkpoint.pt",
    output:
        samples=RUN_DIR + "/samples.npz",
    wildcard_constraints:
        dataset=MIXTURES,
    params:
        n_samples=lambda w: EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/sample.log",
    threads: 1
    shell:
        "{PYTHON} -m genlib sample --checkpoint {input.checkpoint} --n-samples {params.n_samples}"
        " --seed {params.seed} --out {output.samples} --threads {threads} > {log} 2>&1"


rule sample_images:
    input:
        checkpoint=RUN_DIR + "/checkpoint.pt",
    output:
        samples=RUN_DIR + "/samples.npz",
        grid=RUN_DIR + "/grid.png",
        classes=RUN_DIR + "/classes.png",
        interpolation=RUN_DIR + "/interpolation.png",
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    params:
        n_samples=lambda w: EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
        grid_size=EVALUATION.grid_size,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/sample.log",
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        "{PYTHON} -m genlib sample --checkpoint {input.checkpoint} --n-samples {params.n_samples}"
        " --seed {params.seed} --out {output.samples} --pictures results/{wildcards.experiment}/{wildcards.dataset}/{wildcards.model}/seed{wildcards.seed} --grid-size {params.grid_size}"
        " --threads {threads} --device {DEVICE} > {log} 2>&1"
