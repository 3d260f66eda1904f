// Pre-tokenizers of byte-level BPE models, written as hand scanners over Unicode scalars
// (much faster than a general regex engine) that reproduce the regexes exactly.

/// How text is split into words before BPE.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// llama.cpp "smollm" / "starcoder" / "refact": `\p{N}` (every digit alone) first, then GPT-2.
    /// Hugging Face: `Sequence[Digits(individual_digits: true), ByteLevel(use_regex: true)]`.
    case digitsThenGPT2

    /// SmolLM2's pre-tokenizer (GGUF `tokenizer.ggml.pre` = "smollm").
    public static var smollm: PreTokenizer { .digitsThenGPT2 }

    /// The pre-tokenizer for a GGUF `tokenizer.ggml.pre` value.
    public init(ggufName: String) throws {
        switch ggufName {
        case "gpt-2", "gpt2", "phi-2", "jina-es", "jina-de", "mpt", "olmo", "jais", "trillion":
            self = .gpt2
        case "smollm", "starcoder", "refact", "codeshell", "exaone", "minerva", "command-r":
            self = .digitsThenGPT2
        default:
            throw TokenizerError.unsupported(field: "tokenizer.ggml.pre", value: ggufName)
        }
    }

    /// Splits scalars `[0, scalars.count)` into pieces; `emit(lo, hi)` gets scalar index ranges in order.
    func split(_ scalars: UnsafeBufferPointer<UInt32>, classes: UnsafeBufferPointer<ScalarClass>,
               emit: (Int, Int) -> Void) {
        let n = scalars.count
        switch self {
        case .gpt2:
            PreTokenizer.gpt2Scan(scalars, classes, 0, n, emit)
        case .digitsThenGPT2:
            var start = 0
            var i = 0
            while i < n {
                if classes[i] == .number {
                    if start < i { PreTokenizer.gpt2Scan(scalars, classes, start, i, emit) }
                    emit(i, i + 1)
                    start = i + 1
                }
                i += 1
            }
            if start < n { PreTokenizer.gpt2Scan(scalars, classes, start, n, emit) }
        }
    }

    /// The GPT-2 regex over scalars `[lo, hi)`, with `hi` acting as the end of the text.
    @inline(__always)
    static func gpt2Scan(_ sc: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<ScalarClass>,
                         _ lo: Int, _ hi: Int, _ emit: (Int, Int) -> Void) {
        let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20
        var i = lo
        while i < hi {
            let c = sc[i]
            // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive)
            if c == apostrophe && i + 1 < hi {
                let n1 = sc[i + 1]
                if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 {  // s t m d
                    emit(i, i + 2); i += 2; continue
                }
                if i + 2 < hi {
                    let n2 = sc[i + 2]
                    if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) {  // re ve ll
                        emit(i, i + 3); i += 3; continue
                    }
                }
            }
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
            let j = (c == space && i + 1 < hi) ? i + 1 : i
            let k = cls[j]
            if k != .whitespace {
                var end = j + 1
                while end < hi && cls[end] == k { end += 1 }
                emit(i, end)
                i = end
                continue
            }
            // `\s+(?!\S)|\s+`
            var end = i + 1
            while end < hi && cls[end] == .whitespace { end += 1 }
            if end == hi || end - i == 1 {
                emit(i, end)
                i = end
            } else {
                emit(i, end - 1)
                i = end - 1
            }
        }
    }
}
