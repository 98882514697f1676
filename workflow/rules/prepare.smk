rule dataset_settings:
    output:
        "data/{dataset}/settings.json",
    params:
        settings=lambda w: to_dict(dataset_settings(config, w.dataset)),
    run:
        write_json(output[0], params.settings)


rule prepare_mixture:
    input:
        settings="data/{dataset}/settings.json",
    output:
        train="data/{dataset}/train.npy",
        test="data/{dataset}/test.npy",
        meta="data/{dataset}/meta.json",
    wildcard_constraints:
        dataset=MIXTURES,
    log:
        "logs/prepare/{dataset}.log",
    benchmark:
        "benchmarks/prepare/{dataset}.tsv"
    shell:
        "{PYTHON} -m genlib prepare --settings {input.settings} --out-dir data/{wildcards.dataset} > {log} 2>&1"


# Raw files come from resources/ (downloaded when missing and allowed) or from the dataset's mirror.
rule prepare_images:
    input:
        settings="data/{dataset}/settings.json",
    output:
        train="data/{dataset}/train.npz",
        test="data/{dataset}/test.npz",
        meta="data/{dataset}/meta.json",
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    log:
        "logs/prepare/{dataset}.log",
    benchmark:
        "benchmarks/prepare/{dataset}.tsv"
    shell:
        "{PYTHON} -m genlib prepare --settings {input.settings} --out-dir data/{wildcards.dataset} > {log} 2>&1"
