"""A bench function with real dependencies: the text in ?text= as a one-page PDF.

fpdf2 brings Pillow and fonttools (compiled wheels, ~30 MB installed), so building this
function costs a real pip install, unlike the HTTP template's empty requirements.txt.
"""

from typing import Any

from fpdf import FPDF


def handler(req: Any):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 10, req.args.get("text", "Hello, world!"))
    return bytes(pdf.output())
