# One rule per data kind; the run's family (in its settings.json) decides how it trains.
# Tiny 2-D networks train on the CPU: no `gpu` resource, so --resources gpu=1 does not serialise them.
rule train_points:
    input:
        settings=RUN.settings,
        train=DATA.split("train", "points"),
    output:
        checkpoint=RUN.checkpoint,
        losses=RUN.losses,
    log:
        RUN.log("train"),
    benchmark:
        RUN.benchmark("train")
    wildcard_constraints:
        dataset=MIXTURES,
    threads: THREADS
    params:
        data=data_folder,
    shell:
        "{PYTHON} -m genlib train --settings {input.settings} --data {params.data}"
        " --checkpoint {output.checkpoint} --losses {output.losses} --threads {threads} --device cpu > {log} 2>&1"


# Image networks train where the config's `device` says and claim the GPU unless that is the CPU.
rule train_images:
    input:
        unpack(monitor_inputs),
        settings=RUN.settings,
        train=DATA.split("train", "images"),
        meta=DATA.meta,
    output:
        checkpoint=RUN.checkpoint,
        losses=RUN.losses,
    log:
        RUN.log("train"),
    benchmark:
        RUN.benchmark("train")
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        data=data_folder,
        monitor=monitor_args,
    shell:
        "{PYTHON} -m genlib train --settings {input.settings} --data {params.data}"
        " --checkpoint {output.checkpoint} --losses {output.losses} {params.monitor}"
        " --threads {threads} --device {DEVICE} > {log} 2>&1"
