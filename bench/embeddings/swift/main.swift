// orchard-bench-embeddings: Orchard's side of bench/embeddings/run.
//
//   orchard-bench-embeddings [--precision float32|bfloat16] MODEL_DIR [SENTENCES.txt] [BATCH …]
//
// For each batch size (default 1 and 32): sentences/s over the whole file,
// embedding `BATCH` sentences per call (tokenization included), best of 3,
// and the CPU time the process spent per sentence. Then the service path:
// every sentence sent as its own concurrent request to EmbeddingService,
// which batches whatever is waiting into one forward pass.
// Vectors (batch 32) are written to $ORCHARD_BENCH_VECTORS (JSON) if set.

import Foundation
import LargeModels

func fail(_ message: String) -> Never {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    exit(2)
}

func wallSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

var args = CommandLine.arguments
var precision = BertModel.Precision.fastest
if let flag = args.firstIndex(of: "--precision") {
    guard flag + 1 < args.count, let p = BertModel.Precision(rawValue: args[flag + 1]) else {
        fail("--precision takes float32 or bfloat16")
    }
    precision = p
    args.removeSubrange(flag...(flag + 1))
}
guard args.count >= 2 else { fail("usage: orchard-bench-embeddings [--precision float32|bfloat16] MODEL_DIR [SENTENCES.txt] [BATCH …]") }
let model = try BertModel(directory: args[1], precision: precision)
print("orchard precision: \(model.precision.rawValue)")
let sentences: [String]
if args.count > 2 {
    sentences = try String(contentsOfFile: args[2], encoding: .utf8).split(separator: "\n").map(String.init)
} else {
    sentences = (0..<256).map { "Sentence number \($0) is a short example of text to embed." }
}
guard !sentences.isEmpty else { fail("no sentences") }
let batches = args.count > 3 ? args[3...].map { Int($0) ?? 0 } : [1, 32]
guard batches.allSatisfy({ $0 > 0 }) else { fail("batch sizes must be positive integers") }

_ = model.embed(Array(sentences.prefix(8)))  // warm-up
for batch in batches {
    var best = Double.infinity, cpu = 0.0
    for _ in 0..<3 {
        let t0 = wallSeconds(), c0 = cpuSeconds()
        var i = 0
        while i < sentences.count {
            _ = model.embed(Array(sentences[i..<min(sentences.count, i + batch)]))
            i += batch
        }
        let elapsed = wallSeconds() - t0
        if elapsed < best { best = elapsed; cpu = cpuSeconds() - c0 }
    }
    print(String(format: "orchard embeddings batch %d: %.1f sentences/s  (%.2f ms CPU per sentence)",
                 batch, Double(sentences.count) / best, 1000 * cpu / Double(sentences.count)))
}

let service = EmbeddingService(model: model, maxBatchSize: 64)
var best = Double.infinity
for _ in 0..<3 {
    let t0 = wallSeconds()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for sentence in sentences { group.addTask { _ = try await service.embed([sentence]) } }
        try await group.waitForAll()
    }
    best = min(best, wallSeconds() - t0)
}
service.shutdown()
print(String(format: "orchard embeddings service, %d concurrent one-sentence requests: %.1f sentences/s",
             sentences.count, Double(sentences.count) / best))

if let out = ProcessInfo.processInfo.environment["ORCHARD_BENCH_VECTORS"] {
    var vectors: [[Double]] = []
    var i = 0
    while i < sentences.count {
        vectors += model.embed(Array(sentences[i..<min(sentences.count, i + 32)])).map { $0.map(Double.init) }
        i += 32
    }
    try JSONSerialization.data(withJSONObject: vectors).write(to: URL(fileURLWithPath: out))
}
