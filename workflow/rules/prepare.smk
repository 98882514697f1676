rule dataset_settings:
    output:
        DATA.settings,
    params:
        settings=lambda w: json.dumps(to_dict(dataset_settings(config, w.dataset))),
    run:
        write_settings(output[0], json.loads(params.settings))


rule prepare_mixture:
    input:
        settings=DATA.settings,
    output:
        train=DATA.split("train", "points"),
        test=DATA.split("test", "points"),
        meta=DATA.meta,
    log:
        paths.prepare_log("{dataset}"),
    benchmark:
        paths.prepare_benchmark("{dataset}")
    wildcard_constraints:
        dataset=MIXTURES,
    params:
        data=data_folder,
    shell:
        "{PYTHON} -m genlib prepare --settings {input.settings} --out-dir {params.data} > {log} 2>&1"


# Raw files come from resources/ (downloaded when missing and allowed) or from the dataset's mirror.
rule prepare_images:
    input:
        settings=DATA.settings,
    output:
        train=DATA.split("train", "images"),
        test=DATA.split("test", "images"),
        meta=DATA.meta,
    log:
        paths.prepare_log("{dataset}"),
    benchmark:
        paths.prepare_benchmark("{dataset}")
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    params:
        data=data_folder,
    shell:
        "{PYTHON} -m genlib prepare --settings {input.settings} --out-dir {params.data} > {log} 2>&1"
