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


SAMPLE_IMAGES = (
    "{PYTHON} -m genlib sample --checkpoint {input.checkpoint} --n-samples {params.n_samples}"
    " --seed {params.seed} --out {output.samples} --pictures {params.run_dir} --grid-size {params.grid_size}"
)


rule sample_images:
    input:
        checkpoint=RUN_DIR + "/checkpoint.pt",
    output:
        samples=RUN_DIR + "/samples.npz",
        grid=report(RUN_DIR + "/grid.png", caption="../report/grid.rst", category="Samples", subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
        classes=RUN_DIR + "/classes.png",
        interpolation=report(RUN_DIR + "/interpolation.png", caption="../report/interpolation.rst",
                             category="Interpolations", subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
        model=GAN_MODELS,
    params:
        n_samples=lambda w: EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
        grid_size=EVALUATION.grid_size,
        run_dir=lambda w: f"results/{w.experiment}/{w.dataset}/{w.model}/seed{w.seed}",
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/sample.log",
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        SAMPLE_IMAGES + " --threads {threads} --device {DEVICE} > {log} 2>&1"


# Diffusion models also draw the forward-noising strip (from real images) and the denoising trajectory.
rule sample_images_diffusion:
    input:
        checkpoint=RUN_DIR + "/checkpoint.pt",
        train="data/{dataset}/train.npz",
    output:
        samples=RUN_DIR + "/samples.npz",
        grid=report(RUN_DIR + "/grid.png", caption="../report/grid.rst", category="Samples", subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
        classes=RUN_DIR + "/classes.png",
        interpolation=report(RUN_DIR + "/interpolation.png", caption="../report/interpolation.rst",
                             category="Interpolations", subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
        forward=report(RUN_DIR + "/forward.png", caption="../report/forward.rst", category="Diffusion", subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
        trajectory=report(RUN_DIR + "/trajectory.png", caption="../report/trajectory.rst", category="Diffusion", subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
        model=DIFFUSION_MODELS,
    params:
        n_samples=lambda w: EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
        grid_size=EVALUATION.grid_size,
        run_dir=lambda w: f"results/{w.experiment}/{w.dataset}/{w.model}/seed{w.seed}",
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/sample.log",
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        SAMPLE_IMAGES + " --strips-from data/{wildcards.dataset} --threads {threads} --device {DEVICE} > {log} 2>&1"


rule sample_sweep:
    input:
        checkpoint=RUN_DIR + "/checkpoint.pt",
    output:
        samples=SWEEP_DIR + "/samples.npz",
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
        model=DIFFUSION_MODELS,
        sweep=model_pattern(list(SWEEP)),
    params:
        n_samples=lambda w: SWEEP_SAMPLES or EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
        sampler=sweep_options,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/sweep/{sweep}/sample.log",
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        "{PYTHON} -m genlib sample --images --checkpoint {input.checkpoint} --n-samples {params.n_samples}"
        " --seed {params.seed} --out {output.samples} {params.sampler} --threads {threads} --device {DEVICE} > {log} 2>&1"
