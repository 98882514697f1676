# Tiny 2-D networks train on the CPU: no `gpu` resource, so --resources gpu=1 does not serialise them.
rule train:
    input:
        settings=RUN_DIR + "/settings.json",
        train="data/{dataset}/train.npy",
    output:
        checkpoint=RUN_DIR + "/checkpoint.pt",
        losses=RUN_DIR + "/losses.csv",
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/train.log",
    benchmark:
        "benchmarks/{experiment}/{dataset}/{model}/seed{seed}/train.tsv"
    threads: THREADS
    shell:
        "python -m genlib train --settings {input.settings} --data data/{wildcards.dataset}"
        " --checkpoint {output.checkpoint} --losses {output.losses} --threads {threads} > {log} 2>&1"
