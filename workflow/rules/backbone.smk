# Feature backbones of the image metrics and the reference statistics, computed once per dataset.
rule train_classifier:
    input:
        train=DATA.split("train", "images"),
        test=DATA.split("test", "images"),
    output:
        DATA.classifier,
    log:
        paths.backbone_log("{dataset}-classifier"),
    benchmark:
        paths.backbone_benchmark("{dataset}-classifier")
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        data=data_folder,
        epochs=EVALUATION.classifier_epochs,
        seed=EVALUATION.classifier_seed,
    shell:
        "{PYTHON} -m genlib train-classifier --data {params.data} --epochs {params.epochs} --seed {params.seed}"
        " --out {output} --threads {threads} --device {DEVICE} > {log} 2>&1"


rule fetch_inception:
    output:
        paths.INCEPTION_WEIGHTS,
    log:
        paths.backbone_log("fetch-inception"),
    params:
        weights=EVALUATION.inception_weights or "",
    shell:
        "{PYTHON} -m genlib fetch-inception --weights '{params.weights}' --out {output} > {log} 2>&1"


rule reference:
    input:
        test=DATA.split("test", "images"),
        weights=lambda w: backbone_weights(w.dataset),
    output:
        DATA.reference("{backbone}"),
    log:
        paths.backbone_log("{dataset}-reference-{backbone}"),
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        data=data_folder,
        backbone=EVALUATION.backbone,
        antialias="--antialias" if EVALUATION.inception_antialias else "",
    shell:
        "{PYTHON} -m genlib reference --data {params.data} --backbone {params.backbone} --weights {input.weights}"
        " {params.antialias} --out {output} --threads {threads} --device {DEVICE} > {log} 2>&1"
