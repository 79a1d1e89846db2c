# Two commands a user needs (see README):
#   make setup   fresh clone -> everything installed, default model pulled, a sample question answered
#   make test    the whole test suite (installs what it needs first)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# llama.cpp compiles for this machine's CPU (-march=native), but without AMX: some virtual
# machines list AMX among the CPU's features and then fault on its first instruction
# (seen here: ldtilecfg, a general protection fault in libggml-cpu on the first question).
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS := -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'
SAMPLE := Olivia has $$23. She bought five bagels for $$3 each. How much money does she have left?

.PHONY: setup system venv llama-server models test test-fast lint clean

setup: system $(STAMP) llama-server
	$(BIN)/reasoner models pull qwen2.5-coder-1.5b
	$(BIN)/reasoner models pull qwen2.5-coder-0.5b
	$(BIN)/reasoner ask --trace '$(SAMPLE)'

system:
	bash scripts/install-system-packages.sh

venv: $(STAMP)

# torch is pinned and installed first so that nothing pulls a multi-GB CUDA build.
# llama-cpp-python is built from source next, with the flags above; --no-cache-dir so
# that pip does not reuse a wheel it built earlier with other flags.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir --force-reinstall --no-deps 'llama-cpp-python>=0.3.0'
	$(BIN)/pip install --quiet -e '.[all]'
	touch $(STAMP)

# llama.cpp's llama-server (parallel slots, continuous batching), compiled from the llama.cpp
# that the installed llama-cpp-python vendors, with the same no-AMX flags, into $(BIN).
# No wheel ships it. The script skips the build when the pinned binary is already there.
llama-server: $(STAMP)
	VENV=$(VENV) LLAMA_SERVER_CFLAGS='$(NO_AMX)' bash scripts/build-llama-server.sh

models: $(STAMP)
	$(BIN)/reasoner models pull qwen2.5-coder-0.5b

# pytest exits 5 when it collects no test; that is not a failure of the suite.
test: system $(STAMP) llama-server models
	$(BIN)/python -m pytest -q --durations=15; status=$$?; [ $$status -eq 5 ] && status=0; exit $$status

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check reasoner backends fewshot evals tests research
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
