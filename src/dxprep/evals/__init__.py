"""Evals: cases as data (``evals/cases/*.yaml``), small evaluators, and the runner behind
``dxprep eval``. See :mod:`dxprep.evals.cases`, :mod:`dxprep.evals.evaluators` and
:mod:`dxprep.evals.runner`."""

from __future__ import annotations

from dxprep.evals.cases import BriefingCase, QmsumCase, RetrievalCase, load_cases
from dxprep.evals.evaluators import EVALUATORS, EvalContext, Evaluator
from dxprep.evals.runner import CaseResult, EvalReport, compare, run_eval

__all__ = ["EVALUATORS", "BriefingCase", "CaseResult", "EvalContext", "EvalReport", "Evaluator", "QmsumCase",
           "RetrievalCase", "compare", "load_cases", "run_eval"]
