import pytest

# The search cases are imported by two test modules: rewrite their asserts too.
pytest.register_assert_rewrite("tests.gallery.search_cases")
