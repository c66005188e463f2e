import CYaml

/// Measures how deeply a YAML document nests before Yams composes it.
///
/// Yams composes nodes recursively, one stack frame chain per nesting level, so a body of 100,000 `[` (or
/// `- - - …`) overflowed a worker thread's stack and killed the server. libyaml's event parser is iterative: this
/// walks its events and counts open sequences and mappings, stopping as soon as the limit is passed, so a hostile
/// body costs one linear scan and a 400 instead of a crash. (goyaml, under kube-apiserver, refuses such documents
/// too: `yaml: exceeded max depth of 10000`.)
enum YAMLNestingLimit {
    /// Whether `text` nests sequences and mappings more than `limit` deep. Malformed YAML is not judged here
    /// (false): the composer reports it with its own message.
    static func exceeds(_ text: String, limit: Int) -> Bool {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return false }
        defer { yaml_parser_delete(&parser) }
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let type = event.type
                yaml_event_delete(&event)
                switch type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > limit { return true }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT:
                    return false
                default:
                    break
                }
            }
            return false
        }
    }
}
