import Foundation

/// Bad inputs added with the probe of `estimate`: an encoder asked to serve generation.
extension BadInput {
    static let bert = "google-bert/bert-large-uncased"
    /// What every refusal of an encoder says: the model, why, and what prices it instead.
    static let encoderWords = [bert, "is an encoder", "generates no tokens", "tokenwatt predict"]
    static let bertRequest = ["--model", "bert-large", "--gpu", "h100-sxm", "--batch", "8", "--input", "100", "--output", "50"]

    /// Every serving command reaches the same check (`Deployment.requireGenerator`): each had
    /// priced BERT's 50 "output tokens" as decode steps with a KV cache and a sampler.
    static let encoders: [BadInput] = [
        BadInput(name: "encoder in estimate", args: ["estimate"] + bertRequest, mentions: encoderWords),
        BadInput(name: "encoder in estimate surface", args: ["estimate"] + bertRequest + ["--method", "surface"], mentions: encoderWords),
        BadInput(name: "encoder in power", args: ["power", "--model", "bert-large", "--gpu", "h100-sxm", "--seq-length", "100"], mentions: encoderWords),
        BadInput(name: "encoder in tune", args: ["tune"] + bertRequest, mentions: encoderWords),
        BadInput(name: "encoder in diagnose", args: ["diagnose"] + bertRequest, mentions: encoderWords),
        BadInput(name: "encoder in kernels", args: ["kernels"] + bertRequest, mentions: encoderWords),
        BadInput(name: "encoder in export-sql", args: ["export-sql", "--model", "bert-large", "--gpu", "h100-sxm", "--batch", "8", "--dialect", "sqlite"], mentions: encoderWords),
        BadInput(name: "encoder in a fleet workload", args: ["fleet", "{dir}/w.json"], files: Inputs.workload(Inputs.model8B, bert), mentions: encoderWords),
        BadInput(name: "encoder in capacity", args: ["capacity", "{dir}/w.json", "--budget-mw", "1"], files: Inputs.workload(Inputs.model8B, bert),
                 mentions: encoderWords),
        BadInput(name: "encoder in a trace", args: ["trace", "{dir}/t.csv", "--model", "bert-large", "--gpu", "h100-sxm"],
                 files: ["t.csv": Inputs.azureHeader + "2023-11-16 18:15:46.6805900,100,50\n"], mentions: encoderWords),
        // A sweep keeps going past a point that fails and names its error in the row (stdout here).
        BadInput(name: "encoder in a sweep", args: ["sweep", "{dir}/s.json"], files: ["s.json": Inputs.sweep.replacingOccurrences(of: Inputs.model8B, with: bert)],
                 mentions: encoderWords + ["1 of 1 points could not be estimated"]),
        Inputs.predict("\(bert),h100-sxm,8,100,serve,50\n", mentions: encoderWords, name: "encoder in a predict serve row",
                       header: "model,gpu,batch,input_tokens,phase,output_tokens\n"),
    ]
}
