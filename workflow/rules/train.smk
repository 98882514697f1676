# Tiny 2-D networks train on the CPU: no `gpu` resource, so --resources gpu=1 does not serialise them.
rule train_points:
    input:
        settings=RUN_DIR + "/settings.json",
        train="data/{dataset}/train.npy",
    output:
        checkpoint=RUN_DIR + "/checkpoint.pt",
        losses=RUN_DIR + "/losses.csv",
    wildcard_constraints:
        dataset=MIXTURES,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/train.log",
    benchmark:
        "benchmarks/{experiment}/{dataset}/{model}/seed{seed}/train.tsv"
    threads: THREADS
    shell:
        "{PYTHON} -m genlib train --settings {input.settings} --data data/{wildcards.dataset}"
        " --checkpoint {output.checkpoint} --losses {output.losses} --threads {threads} --device cpu > {log} 2>&1"


# Image networks train where the config's `device` says and claim the GPU unless that is the CPU.
rule train_images:
    input:
        unpack(monitor_inputs),
        settings=RUN_DIR + "/settings.json",
        train="data/{dataset}/train.npz",
        meta="data/{dataset}/meta.json",
    output:
        checkpoint=RUN_DIR + "/checkpoint.pt",
        losses=RUN_DIR + "/losses.csv",
    wildcard_constraints:
        dataset=IMAGE_DATASET_PATTERN,
    params:
        monitor=monitor_args,
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/train.log",
    benchmark:
        "benchmarks/{experiment}/{dataset}/{model}/seed{seed}/train.tsv"
    threads: THREADS
    resources:
        gpu=GPU_JOB,
    shell:
        "{PYTHON} -m genlib train --settings {input.settings} --data data/{wildcards.dataset}"
        " --checkpoint {output.checkpoint} --losses {output.losses} {params.monitor}"
        " --threads {threads} --device {DEVICE} > {log} 2>&1"
