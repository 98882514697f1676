rule evaluate:
    input:
        samples=RUN_DIR + "/samples.npz",
        test="data/{dataset}/test.npy",
        meta="data/{dataset}/meta.json",
    output:
        metrics=RUN_DIR + "/metrics.json",
        scatter=RUN_DIR + "/scatter.png",
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/evaluate.log",
    shell:
        "python -m genlib evaluate --samples {input.samples} --data data/{wildcards.dataset}"
        " --metrics {output.metrics} --scatter {output.scatter} > {log} 2>&1"
