// libFuzzer target: the Kubernetes manifest reader (KubernetesManifest over Yams) and its grace-budget rules, on
// arbitrary text. Run with scripts/fuzz.
@testable import SigTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let manifest = try? KubernetesManifest(text: text) else { return 0 }
    _ = KubernetesManifestLint().lint(manifest, display: "fuzz.yaml")
    return 0
}
