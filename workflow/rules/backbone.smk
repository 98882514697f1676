# Feature backbones of the image metrics and the reference statistics, computed once per dataset.


rule train_classifier:
    input:
        train="data/{dataset}/train.npz",
        test="data/{dataset}/test.npz",
    output:
        "data/{dataset}/classifier.pt",
    params:
        epochs=EVALUATION.classifier_epochs,
        seed=EVALUATION.classifier_seed,
    log:
        "logs/backbone/{dataset}-classifier.log",
    benchmark:
        "benchmarks/backbone/{dataset}-classifier.tsv"
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        "{PYTHON} -m genlib train-classifier --data data/{wildcards.dataset} --epochs {params.epochs} --seed {params.seed}"
        " --out {output} --threads {threads} --device {DEVICE} > {log} 2>&1"


rule fetch_inception:
    output:
        INCEPTION_WEIGHTS,
    params:
        weights=EVALUATION.inception_weights or "",
    log:
        "logs/backbone/fetch-inception.log",
    shell:
        "{PYTHON} -m genlib fetch-inception --weights '{params.weights}' --out {output} > {log} 2>&1"


rule reference:
    input:
        test="data/{dataset}/test.npz",
        weights=lambda w: backbone_weights(w.dataset),
    output:
        "data/{dataset}/reference-{backbone}.npz",
    params:
        backbone=EVALUATION.backbone,
        antialias="--antialias" if EVALUATION.inception_antialias else "",
    log:
        "logs/backbone/{dataset}-reference-{backbone}.log",
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        "{PYTHON} -m genlib reference --data data/{wildcards.dataset} --backbone {params.backbone} --weights {input.weights}"
        " {params.antialias} --out {output} --threads {threads} --device {DEVICE} > {log} 2>&1"
