"""The core: messages, stream events, the accumulator, tools, memory, the run loop, Agent."""
