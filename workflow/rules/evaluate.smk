EXPERIMENT_FILES = paths.experiment("{experiment}")


rule evaluate_points:
    input:
        samples=RUN.samples,
        # The samples must come from the checkpoint as it is now: a changed or damaged checkpoint reruns the
        # sample step (and fails there, clearly) instead of leaving old metrics that look finished.
        checkpoint=RUN.checkpoint,
        test=DATA.split("test", "points"),
        meta=DATA.meta,
        settings=RUN.settings,  # the run's own settings: adding a run to the config leaves this job alone
    output:
        metrics=RUN.metrics,
        scatter=report(
            RUN.scatter,
            caption="../report/scatter.rst",
            category="2-D samples",
            subcategory="{dataset}",
            labels=LABELS,
        ),
    log:
        RUN.log("evaluate"),
    wildcard_constraints:
        dataset=MIXTURES,
    params:
        data=data_folder,
    shell:
        "{PYTHON} -m genlib evaluate --samples {input.samples} --checkpoint {input.checkpoint} --data {params.data}"
        " --metrics {output.metrics} --scatter {output.scatter} --settings {input.settings} > {log} 2>&1"


rule evaluate_images:
    input:
        samples=RUN.samples,
        checkpoint=RUN.checkpoint,
        train=DATA.split("train", "images"),
        test=DATA.split("test", "images"),  # the real images of the sliced Wasserstein distance
        meta=DATA.meta,
        weights=lambda w: backbone_weights(w.dataset),
        reference=lambda w: reference_stats(w.dataset),
        evaluation=EXPERIMENT_FILES.evaluation,
        settings=RUN.settings,  # the run's own settings: adding a run to the config leaves this job alone
    output:
        metrics=RUN.metrics,
        neighbours=report(
            RUN.neighbours,
            caption="../report/neighbours.rst",
            category="Nearest neighbours",
            subcategory="{dataset}",
            labels=LABELS,
        ),
    log:
        RUN.log("evaluate"),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        backbone=EVALUATION.backbone,
        data=data_folder,
    shell:
        "{PYTHON} -m genlib evaluate --samples {input.samples} --checkpoint {input.checkpoint} --data {params.data}"
        " --metrics {output.metrics} --evaluation {input.evaluation} --backbone {params.backbone}"
        " --weights {input.weights} --reference {input.reference} --settings {input.settings}"
        " --neighbours {output.neighbours} --threads {threads} --device {DEVICE} > {log} 2>&1"


rule evaluate_sweep:
    input:
        samples=RUN.sweep("{sweep}").samples,
        checkpoint=RUN.checkpoint,
        test=DATA.split("test", "images"),
        meta=DATA.meta,
        weights=lambda w: backbone_weights(w.dataset),
        reference=lambda w: reference_stats(w.dataset),
        evaluation=EXPERIMENT_FILES.evaluation,
        settings=RUN.settings,  # the run's own settings: adding a run to the config leaves this job alone
    output:
        metrics=RUN.sweep("{sweep}").metrics,
    log:
        RUN.log("sweep/{sweep}/evaluate"),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        backbone=EVALUATION.backbone,
        data=data_folder,
    shell:
        "{PYTHON} -m genlib evaluate --samples {input.samples} --checkpoint {input.checkpoint} --data {params.data}"
        " --metrics {output.metrics} --evaluation {input.evaluation} --backbone {params.backbone}"
        " --weights {input.weights} --reference {input.reference} --settings {input.settings}"
        " --threads {threads} --device {DEVICE} > {log} 2>&1"
