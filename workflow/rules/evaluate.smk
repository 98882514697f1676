rule evaluate_points:
    input:
        samples=RUN_DIR + "/samples.npz",
        test="data/{dataset}/test.npy",
        meta="data/{dataset}/meta.json",
        config="results/{experiment}/config.yaml",
    output:
        metrics=RUN_DIR + "/metrics.json",
        scatter=report(RUN_DIR + "/scatter.png", caption="../report/scatter.rst", category="2-D samples",
                       subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
    wildcard_constraints:
        dataset=MIXTURES,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/evaluate.log",
    shell:
        "{PYTHON} -m genlib evaluate --samples {input.samples} --data data/{wildcards.dataset}"
        " --metrics {output.metrics} --scatter {output.scatter} --config {input.config} > {log} 2>&1"


EVALUATE_IMAGES = (
    "{PYTHON} -m genlib evaluate --samples {input.samples} --data data/{wildcards.dataset}"
    " --metrics {output.metrics} --evaluation {input.evaluation} --backbone {params.backbone}"
    " --weights {input.weights} --reference {input.reference} --config {input.config} --threads {threads} --device {DEVICE}"
)


rule evaluate_images:
    input:
        samples=RUN_DIR + "/samples.npz",
        train="data/{dataset}/train.npz",
        meta="data/{dataset}/meta.json",
        weights=lambda w: backbone_weights(w.dataset),
        reference=lambda w: reference_stats(w.dataset),
        evaluation="results/{experiment}/evaluation.json",
        config="results/{experiment}/config.yaml",
    output:
        metrics=RUN_DIR + "/metrics.json",
        neighbours=report(RUN_DIR + "/neighbours.png", caption="../report/neighbours.rst", category="Nearest neighbours",
                          subcategory="{dataset}", labels={"model": "{model}", "seed": "{seed}"}),
        curve=RUN_DIR + "/fid_curve.csv",
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    params:
        backbone=EVALUATION.backbone,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/evaluate.log",
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        EVALUATE_IMAGES + " --neighbours {output.neighbours} --curve {output.curve} > {log} 2>&1"


rule evaluate_sweep:
    input:
        samples=SWEEP_DIR + "/samples.npz",
        meta="data/{dataset}/meta.json",
        weights=lambda w: backbone_weights(w.dataset),
        reference=lambda w: reference_stats(w.dataset),
        evaluation="results/{experiment}/evaluation.json",
        config="results/{experiment}/config.yaml",
    output:
        metrics=SWEEP_DIR + "/metrics.json",
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    params:
        backbone=EVALUATION.backbone,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/sweep/{sweep}/evaluate.log",
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        EVALUATE_IMAGES + " > {log} 2>&1"
