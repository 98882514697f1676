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
        unpack(train_inputs),
        settings=RUN.settings,
        train=DATA.split("train", "images"),
        meta=DATA.meta,
    output:
        checkpoint=RUN.checkpoint,
        losses=RUN.losses,
        curve=RUN.fid_curve,  # the monitor's FID over training, beside the loss log
    log:
        RUN.log("train"),
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        data=data_folder,
        extra=train_args,
    shell:
        "{PYTHON} -m genlib train --settings {input.settings} --data {params.data}"
        " --checkpoint {output.checkpoint} --losses {output.losses} --curve {output.curve} {params.extra}"
        " --threads {threads} --device {DEVICE} > {log} 2>&1"


# With `batch_seeds: true`, all seeds of a 2-D model whose family has a batched trainer (the GAN family's) train
# in one job as one batched computation
# (on the GPU when the config's `device` allows: batched, the 2-D runs are large enough to gain from it);
# every run still gets its own checkpoint, loss log and resume state.
rule train_points_group:
    input:
        settings=expand(RUN.settings, seed=SEEDS, allow_missing=True),
        train=DATA.split("train", "points"),
    output:
        checkpoints=expand(RUN.checkpoint, seed=SEEDS, allow_missing=True),
        losses=expand(RUN.losses, seed=SEEDS, allow_missing=True),
    log:
        MODEL.log("train-group"),
    wildcard_constraints:
        dataset=MIXTURES,
        model=GROUPED_MODELS,
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    params:
        data=data_folder,
    shell:
        "{PYTHON} -m genlib train-group --settings {input.settings} --data {params.data}"
        " --checkpoints {output.checkpoints} --losses {output.losses} --threads {threads} --device {DEVICE} > {log} 2>&1"


ruleorder: train_points_group > train_points
