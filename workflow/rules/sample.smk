rule sample:
    input:
        checkpoint=RUN_DIR + "/checkpoint.pt",
    output:
        samples=RUN_DIR + "/samples.npz",
    params:
        n_samples=EVALUATION["n_samples"],
        seed=EVALUATION["sample_seed"],
    log:
        "logs/{experiment}/{dataset}/{model}/seed{seed}/sample.log",
    threads: 1
    shell:
        "python -m genlib sample --checkpoint {input.checkpoint} --n-samples {params.n_samples}"
        " --seed {params.seed} --out {output.samples} --threads {threads} > {log} 2>&1"
