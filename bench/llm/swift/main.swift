// orchard-bench-llm: Orchard's side of bench/llm/run and a quick way to check
// greedy decoding outside the test runner.
//
//   orchard-bench-llm greedy MODEL.gguf "user message" [N]    token ids of N greedy tokens (chat-templated)
//   orchard-bench-llm speed MODEL.gguf PROMPT_TOKENS GEN_TOKENS STREAMS [llamacpp|blocksums]
//       prompt tok/s (one forward over the prompt), generation tok/s over GEN_TOKENS
//       greedy tokens, and aggregate tok/s of STREAMS concurrent streams (scheduler)
//   orchard-bench-llm batched MODEL.gguf STREAMS STEPS [llamacpp|blocksums]
//       forward passes of STREAMS sequences decoding together, without the scheduler

import Foundation
import LargeModels

let args = CommandLine.arguments
func fail(_ message: String) -> Never {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    exit(2)
}
guard args.count >= 3 else { fail("usage: orchard-bench-llm greedy|speed MODEL.gguf …") }
let model = try LlamaModel(path: args[2])

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
/// CPU seconds of the whole process (all threads): under a loaded machine the
/// wall clock also counts time the scheduler gave to other processes.
func cpuNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

switch args[1] {
case "greedy":
    let text = model.chatTemplate.render([ChatMessage(role: "user", content: args.count > 3 ? args[3] : "Hello")])
    let prompt = model.encodePrompt(text)
    var parameters = SamplingParameters.greedy
    parameters.maxTokens = args.count > 4 ? Int(args[4])! : 64
    let generator = TextGenerator(model: model)
    let (tokens, _) = try generator.generate(prompt: prompt, parameters: parameters)
    print("prompt:", prompt.map(String.init).joined(separator: " "))
    print("tokens:", tokens.map(String.init).joined(separator: " "))
    print("text:", model.tokenizer.decode(tokens, skipSpecial: true))
case "speed":
    let promptCount = args.count > 3 ? Int(args[3])! : 200
    let genCount = args.count > 4 ? Int(args[4])! : 256
    let streams = args.count > 5 ? Int(args[5])! : 8
    // A fixed ~promptCount-token prompt: repeated English text, cut to length.
    let base = "The quick brown fox jumps over the lazy dog while the orchard keeper counts apples and pears. "
    let prompt = Array(model.tokenizer.encode(String(repeating: base, count: 20)).prefix(promptCount))
    let generator = TextGenerator(model: model, contextLength: 2048)
    _ = generator.evaluate(prompt: Array(prompt.prefix(16)))  // warm-up
    var best = Double.infinity, bestCPU = Double.infinity
    for _ in 0..<3 {
        let t0 = now(), c0 = cpuNow()
        _ = generator.evaluate(prompt: prompt)
        best = min(best, now() - t0)
        bestCPU = min(bestCPU, cpuNow() - c0)
    }
    print(String(format: "orchard prompt: %d tokens in %.3f s = %.1f tok/s (cpu %.3f s)", prompt.count, best, Double(prompt.count) / best, bestCPU))
    // Generation: greedy, EOS ignored, timed over genCount tokens after the first.
    var parameters = SamplingParameters.greedy
    parameters.maxTokens = genCount + 1
    parameters.ignoreEndOfGeneration = true
    let short = Array(prompt.prefix(8))
    var count = 0
    var t1 = 0.0
    _ = try TextGenerator(model: model).generate(prompt: short, parameters: parameters)
    let g = TextGenerator(model: model, contextLength: 2048)
    let start = now(), startCPU = cpuNow()
    _ = try g.generate(prompt: short, parameters: parameters) { _ in
        count += 1
        if count == 1 { t1 = now() }
    }
    let genElapsed = now() - start, genCPU = cpuNow() - startCPU
    _ = t1
    print(String(format: "orchard generation: %d tokens in %.3f s = %.1f tok/s (incl. 8-token prompt; cpu %.2f ms/token)",
                 genCount + 1, genElapsed, Double(genCount + 1) / genElapsed, 1000 * genCPU / Double(genCount + 1)))
    // Concurrent streams through the scheduler.
    let streamSums: QuantizedSums = args.count > 6 && args[6] == "llamacpp" ? .llamaCpp : .blockSums
    let scheduler = GenerationScheduler(model: model, slots: streams, contextLength: 1024, decodingSums: streamSums)
    var p2 = SamplingParameters.greedy
    p2.maxTokens = 128
    p2.ignoreEndOfGeneration = true
    let t2 = now(), c2 = cpuNow()
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for i in 0..<streams {
            let ids = Array(prompt.prefix(8 + i))
            group.addTask {
                var produced = 0
                for try await event in scheduler.generate(prompt: ids, parameters: p2) {
                    if case .finished(_, let usage) = event { produced = usage.completionTokens }
                }
                return produced
            }
        }
        var sum = 0
        for try await n in group { sum += n }
        return sum
    }
    let elapsed = now() - t2, elapsedCPU = cpuNow() - c2
    print(String(format: "orchard %d streams: %d tokens in %.3f s = %.1f tok/s aggregate (cpu %.2f ms/token; %@ sums)",
                 streams, total, elapsed, Double(total) / elapsed, 1000 * elapsedCPU / Double(total), "\(streamSums)"))
case "batched":
    // Forward passes of STREAMS decoding sequences (one token each) without the scheduler.
    let streams = args.count > 3 ? Int(args[3])! : 8
    let steps = args.count > 4 ? Int(args[4])! : 128
    let sums: QuantizedSums = args.count > 5 && args[5] == "llamacpp" ? .llamaCpp : .blockSums
    let cache = model.makeCache(slots: streams, contextLength: 1024)
    let state = model.makeState()
    for slot in 0..<streams {
        model.forward((0..<8).map { .init(token: 1 + $0, slot: slot, position: $0, wantsLogits: $0 == 7) }, cache: cache, state: state)
    }
    let t0 = now(), c0 = cpuNow()
    for step in 0..<steps {
        model.forward((0..<streams).map { .init(token: 100 + $0, slot: $0, position: 8 + step, wantsLogits: true) },
                      cache: cache, state: state, decodingSums: sums)
    }
    let el = now() - t0, cpu = cpuNow() - c0
    print(String(format: "orchard batched forward (%@): %d streams x %d steps: %.1f tok/s (cpu %.2f ms/token)",
                 "\(sums)", streams, steps, Double(streams * steps) / el, 1000 * cpu / Double(streams * steps)))
default:
    fail("unknown command \(args[1])")
}
