rule dataset_settings:
    output:
        "data/{dataset}/settings.json",
    params:
        settings=lambda w: to_dict(dataset_settings(config, w.dataset)),
    run:
        write_json(output[0], params.settings)


rule prepare:
    input:
        settings="data/{dataset}/settings.json",
    output:
        train="data/{dataset}/train.npy",
        test="data/{dataset}/test.npy",
        meta="data/{dataset}/meta.json",
    log:
        "logs/prepare/{dataset}.log",
    benchmark:
        "benchmarks/prepare/{dataset}.tsv"
    shell:
        "python -m genlib prepare --settings {input.settings} --out-dir data/{wildcards.dataset} > {log} 2>&1"
