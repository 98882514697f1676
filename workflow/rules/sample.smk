# Samples of any family: the checkpoint names its family, genlib.families.registry does the rest.
rule sample_points:
    input:
        checkpoint=RUN.checkpoint,
        settings=RUN.settings,
    output:
        samples=RUN.samples,
    log:
        RUN.log("sample"),
    wildcard_constraints:
        dataset=MIXTURES,
    threads: 1
    params:
        n_samples=lambda w: EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
    shell:
        "{PYTHON} -m genlib sample --checkpoint {input.checkpoint} --settings {input.settings}"
        " --n-samples {params.n_samples} --seed {params.seed} --out {output.samples} --threads {threads} > {log} 2>&1"


LABELS = {"model": "{model}", "seed": "{seed}"}


rule sample_images:
    input:
        checkpoint=RUN.checkpoint,
        settings=RUN.settings,
        test=DATA.split("test", "images"),  # a translator maps its held-out inputs
    output:
        samples=RUN.samples,
        grid=report(
            RUN.picture("grid"),
            caption="../report/grid.rst",
            category="Samples",
            subcategory="{dataset}",
            labels=LABELS,
        ),
        classes=RUN.picture("classes"),
        interpolation=report(
            RUN.picture("interpolation"),
            caption="../report/interpolation.rst",
            category="Interpolations",
            subcategory="{dataset}",
            labels=LABELS,
        ),
    log:
        RUN.log("sample"),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        n_samples=lambda w: EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
        grid_size=EVALUATION.grid_size,
        run_dir=lambda w: paths.run(w.experiment, w.dataset, w.model, w.seed).folder,
        data=data_folder,
    shell:
        "{PYTHON} -m genlib sample --checkpoint {input.checkpoint} --settings {input.settings} --data {params.data}"
        " --n-samples {params.n_samples} --seed {params.seed} --out {output.samples} --pictures {params.run_dir}"
        " --grid-size {params.grid_size} --threads {threads} --device {DEVICE} > {log} 2>&1"


# Pictures only some families draw (a diffusion model's forward-noising strip and denoising trajectory).
rule family_picture:
    input:
        checkpoint=RUN.checkpoint,
        train=DATA.split("train", "images"),
    output:
        report(
            RUN.picture("{picture}"),
            caption="../report/family_picture.rst",
            category="Family pictures",
            subcategory="{dataset}",
            labels={"model": "{model}", "seed": "{seed}", "picture": "{picture}"},
        ),
    log:
        RUN.log("picture-{picture}"),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
        picture=model_pattern(sorted(EXTRA_PICTURES)),
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        data=data_folder,
    shell:
        "{PYTHON} -m genlib picture --name {wildcards.picture} --checkpoint {input.checkpoint} --data {params.data}"
        " --out {output} --threads {threads} --device {DEVICE} > {log} 2>&1"


# Latent arithmetic of a GAN's generator (config `latent_arithmetic`), read by the dataset's classifier.
rule latent_arithmetic:
    input:
        checkpoint=RUN.checkpoint,
        classifier=lambda w: backbone_weights(w.dataset),
    output:
        shares=RUN.arithmetic,
        picture=report(
            RUN.picture("arithmetic"),
            caption="../report/arithmetic.rst",
            category="Latent arithmetic",
            subcategory="{dataset}",
            labels=LABELS,
        ),
    log:
        RUN.log("arithmetic"),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
        model=ARITHMETIC_MODELS,
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        "{PYTHON} -m genlib arithmetic --checkpoint {input.checkpoint} --classifier {input.classifier}"
        " --out {output.shares} --picture {output.picture} --threads {threads} --device {DEVICE} > {log} 2>&1"


rule sample_sweep:
    input:
        checkpoint=RUN.checkpoint,
    output:
        samples=RUN.sweep("{sweep}").samples,
    log:
        RUN.log("sweep/{sweep}/sample"),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
        model=SWEEP_MODELS,
        sweep=model_pattern(list(SWEEP)),
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        n_samples=lambda w: SWEEP_SAMPLES or EVALUATION.samples_for(w.dataset),
        seed=EVALUATION.sample_seed,
        sampler=sweep_options,
    shell:
        "{PYTHON} -m genlib sample --checkpoint {input.checkpoint} --n-samples {params.n_samples}"
        " --seed {params.seed} --out {output.samples} {params.sampler} --threads {threads} --device {DEVICE} > {log} 2>&1"
