"""Rasa's file importer, reading stories and rules against the domain the model is trained with.

`faq` is a retrieval intent: Rasa learns it from the NLU data (data/nlu/faq.yml, `faq/<topic>`)
and ResponsesSyncImporter adds it to the domain it trains with. The stock RasaFileImporter reads
the stories and rules against domain.yml alone, so rules on `faq` draw "Found intent 'faq' in
stories which is not part of the domain"; listing `faq` in domain.yml instead draws "duplicated
intents" when ResponsesSyncImporter merges the NLU's retrieval intents in. This importer
(config.yml `importers:`, Rasa's extension point) reads stories and test stories against that
merged domain, the one training and `rasa test` use; everything else is RasaFileImporter's.
"""

from __future__ import annotations

from typing import Optional

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers import utils
from rasa.shared.importers.importer import ResponsesSyncImporter
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.utils.common import cached_method


class RetrievalIntentsFileImporter(RasaFileImporter):
    @cached_method
    def domain_with_retrieval_intents(self) -> Domain:
        """domain.yml with the NLU data's retrieval intents and their responses, as Rasa trains."""
        return ResponsesSyncImporter(self).get_domain()

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        return utils.story_graph_from_paths(
            self._story_files, self.domain_with_retrieval_intents(), exclusion_percentage
        )

    def get_conversation_tests(self) -> StoryGraph:
        return utils.story_graph_from_paths(self._conversation_test_files, self.domain_with_retrieval_intents())
