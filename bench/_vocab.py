"""What the generated documents talk about: central topics, indicators with their units, tasks, groups, sources.

Topics are those of real central documents of the last decade; indicators are the kind provincial plans set (growth,
poverty, coverage rates…), each with a QUDT unit, the unit as printed and a plausible range of targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bench._ntriples import CUR, UNIT

Reading = Literal["growth", "high", "low", "count", "money"]


@dataclass(frozen=True)
class Topic:
    vi: str
    en: str


@dataclass(frozen=True)
class IndicatorKind:
    """An indicator a document may set: its labels, group (category), unit and how its targets read."""

    vi: str
    en: str
    category: int
    unit: str
    unit_text: str
    reading: Reading
    low: float
    high: float


@dataclass(frozen=True)
class Source:
    """A synthetic ``dh:Source`` the evidence quotes come from."""

    key: str
    title: str
    publisher: str


TOPICS: Final = (
    Topic("Về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
          "On breakthroughs in science, technology, innovation and national digital transformation"),
    Topic("Về phát triển kinh tế tư nhân", "On developing the private economy"),
    Topic("Về hội nhập quốc tế trong tình hình mới", "On international integration in the new situation"),
    Topic("Về đổi mới công tác xây dựng và thi hành pháp luật",
          "On renewing law-making and law enforcement"),
    Topic("Về bảo đảm an ninh năng lượng quốc gia", "On ensuring national energy security"),
    Topic("Về đột phá phát triển giáo dục và đào tạo", "On breakthroughs in education and training"),
    Topic("Về một số giải pháp đột phá, tăng cường bảo vệ, chăm sóc và nâng cao sức khỏe nhân dân",
          "On breakthrough solutions to protect, care for and improve the people's health"),
    Topic("Về tiếp tục đẩy mạnh công nghiệp hóa, hiện đại hóa đất nước",
          "On continuing to accelerate the country's industrialisation and modernisation"),
    Topic("Về phát triển văn hóa, con người Việt Nam đáp ứng yêu cầu phát triển bền vững đất nước",
          "On developing Vietnamese culture and people for the country's sustainable development"),
    Topic("Về nông nghiệp, nông dân, nông thôn", "On agriculture, farmers and rural areas"),
    Topic("Về phát triển kinh tế biển bền vững", "On the sustainable development of the marine economy"),
    Topic("Về tăng cường công tác phòng, chống tham nhũng, lãng phí, tiêu cực",
          "On strengthening the prevention of corruption, waste and negative practices"),
    Topic("Về xây dựng và chỉnh đốn Đảng, hệ thống chính trị trong sạch, vững mạnh",
          "On building and rectifying the Party and a clean and strong political system"),
    Topic("Về tiếp tục đổi mới, sắp xếp tổ chức bộ máy của hệ thống chính trị tinh gọn, hoạt động hiệu lực, "
          "hiệu quả",
          "On continuing to renew and streamline the political system's apparatus"),
    Topic("Về phát triển đô thị bền vững", "On sustainable urban development"),
    Topic("Về công tác dân tộc", "On ethnic affairs"),
    Topic("Về chiến lược bảo vệ Tổ quốc trong tình hình mới", "On the strategy for defending the Fatherland"),
    Topic("Về phát triển nguồn nhân lực chất lượng cao", "On developing high-quality human resources"),
    Topic("Về thực hiện chính sách an sinh xã hội", "On carrying out social security policies"),
    Topic("Về chủ động ứng phó với biến đổi khí hậu, tăng cường quản lý tài nguyên và bảo vệ môi trường",
          "On responding to climate change, managing resources and protecting the environment"),
    Topic("Về phát triển hạ tầng giao thông đồng bộ, hiện đại", "On developing modern, integrated transport"),
    Topic("Về công tác thanh niên trong thời kỳ mới", "On youth affairs in the new period"),
)  # fmt: skip

GROUPS: Final = (
    ("Nhóm chỉ tiêu về kinh tế", "Economic indicators"),
    ("Nhóm chỉ tiêu về văn hóa - xã hội", "Cultural and social indicators"),
    ("Nhóm chỉ tiêu về môi trường", "Environmental indicators"),
    ("Nhóm chỉ tiêu về khoa học, công nghệ và chuyển đổi số", "Science, technology and digital indicators"),
    ("Nhóm chỉ tiêu về xây dựng Đảng và hệ thống chính trị", "Party and political system indicators"),
)

PCT: Final = f"{UNIT}PERCENT"
NUM: Final = f"{UNIT}NUM"
USD: Final = f"{CUR}USD"

INDICATORS: Final = (
    IndicatorKind("Tốc độ tăng trưởng GRDP bình quân", "Average GRDP growth rate", 0, PCT, "%/năm", "growth", 6, 11),
    IndicatorKind("GRDP bình quân đầu người", "GRDP per capita", 0, USD, "USD", "money", 3000, 15000),
    IndicatorKind("Tỷ trọng công nghiệp và xây dựng trong GRDP", "Share of industry and construction in GRDP", 0,
                  PCT, "%", "high", 30, 55),
    IndicatorKind("Tỷ trọng dịch vụ trong GRDP", "Share of services in GRDP", 0, PCT, "%", "high", 35, 60),
    IndicatorKind("Tăng trưởng thu ngân sách nhà nước", "Growth of state budget revenue", 0, PCT, "%/năm", "growth",
                  5, 12),
    IndicatorKind("Tổng vốn đầu tư toàn xã hội so với GRDP", "Total social investment relative to GRDP", 0, PCT,
                  "% GRDP", "high", 30, 45),
    IndicatorKind("Năng suất lao động tăng bình quân", "Average labour productivity growth", 0, PCT, "%/năm",
                  "growth", 5, 8),
    IndicatorKind("Tỷ lệ đô thị hóa", "Urbanisation rate", 0, PCT, "%", "high", 35, 70),
    IndicatorKind("Số doanh nghiệp đang hoạt động", "Number of active enterprises", 0, NUM, "doanh nghiệp",
                  "count", 2000, 40000),
    IndicatorKind("Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều", "Multidimensional poverty rate", 1, PCT, "%", "low",
                  0.5, 5),
    IndicatorKind("Tỷ lệ lao động qua đào tạo", "Share of trained workers", 1, PCT, "%", "high", 70, 90),
    IndicatorKind("Tỷ lệ dân số tham gia bảo hiểm y tế", "Health insurance coverage", 1, PCT, "%", "high", 93, 99),
    IndicatorKind("Số bác sĩ trên 10.000 dân", "Doctors per 10,000 people", 1, NUM, "bác sĩ/vạn dân", "count", 10, 19),
    IndicatorKind("Số giường bệnh trên 10.000 dân", "Hospital beds per 10,000 people", 1, NUM, "giường/vạn dân",
                  "count", 30, 45),
    IndicatorKind("Tỷ lệ trường đạt chuẩn quốc gia", "Share of schools meeting national standards", 1, PCT, "%",
                  "high", 70, 95),
    IndicatorKind("Tỷ lệ thất nghiệp ở khu vực thành thị", "Urban unemployment rate", 1, PCT, "%", "low", 2, 4),
    IndicatorKind("Tuổi thọ trung bình", "Average life expectancy", 1, NUM, "tuổi", "count", 73, 76),
    IndicatorKind("Tỷ lệ hộ gia đình đạt danh hiệu gia đình văn hóa", "Share of households awarded cultured family",
                  1, PCT, "%", "high", 85, 95),
    IndicatorKind("Tỷ lệ xã đạt chuẩn nông thôn mới nâng cao", "Share of communes meeting advanced new-rural "
                  "standards", 1, PCT, "%", "high", 30, 80),
    IndicatorKind("Tỷ lệ che phủ rừng", "Forest cover", 2, PCT, "%", "high", 30, 60),
    IndicatorKind("Tỷ lệ chất thải rắn sinh hoạt đô thị được thu gom, xử lý", "Urban solid waste collected and "
                  "treated", 2, PCT, "%", "high", 90, 100),
    IndicatorKind("Tỷ lệ dân cư đô thị được cung cấp nước sạch", "Urban population supplied with clean water", 2,
                  PCT, "%", "high", 95, 100),
    IndicatorKind("Tỷ lệ khu công nghiệp có hệ thống xử lý nước thải tập trung", "Industrial parks with central "
                  "waste-water treatment", 2, PCT, "%", "high", 90, 100),
    IndicatorKind("Tỷ lệ dân cư nông thôn sử dụng nước sạch", "Rural population using clean water", 2, PCT, "%",
                  "high", 60, 95),
    IndicatorKind("Tỷ trọng kinh tế số trong GRDP", "Share of the digital economy in GRDP", 3, PCT, "%", "high",
                  10, 30),
    IndicatorKind("Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến", "Administrative procedures handled online",
                  3, PCT, "%", "high", 60, 100),
    IndicatorKind("Chi cho khoa học, công nghệ so với tổng chi ngân sách", "Science and technology spending in the "
                  "budget", 3, PCT, "%", "high", 2, 3),
    IndicatorKind("Tỷ lệ người dân trưởng thành có điện thoại thông minh", "Adults with a smartphone", 3, PCT, "%",
                  "high", 80, 95),
    IndicatorKind("Tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo", "Enterprises with innovation activity", 3, PCT,
                  "%", "high", 30, 40),
    IndicatorKind("Số sáng chế được cấp văn bằng bảo hộ", "Patents granted", 3, NUM, "sáng chế", "count", 5, 120),
    IndicatorKind("Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", "Grassroots Party organisations rated "
                  "good or better", 4, PCT, "%", "high", 85, 95),
    IndicatorKind("Số đảng viên mới được kết nạp hằng năm", "New Party members admitted per year", 4, NUM, "đảng viên",
                  "count", 300, 5000),
    IndicatorKind("Tỷ lệ đảng viên được học tập, quán triệt nghị quyết", "Party members briefed on the resolution",
                  4, PCT, "%", "high", 95, 100),
    IndicatorKind("Tỷ lệ đơn thư khiếu nại, tố cáo được giải quyết", "Complaints and denunciations resolved", 4, PCT,
                  "%", "high", 85, 98),
    IndicatorKind("Chỉ số hài lòng của người dân với sự phục vụ của cơ quan hành chính", "Citizens' satisfaction with "
                  "public administration", 4, PCT, "%", "high", 80, 95),
    IndicatorKind("Chỉ số cải cách hành chính", "Public administration reform index", 4, PCT, "%", "high", 80, 95),
)  # fmt: skip

TASK_GROUPS: Final = (
    ("Nhiệm vụ, giải pháp chủ yếu", "Main tasks and solutions"),
    ("Nhiệm vụ trọng tâm", "Key tasks"),
    ("Các đột phá", "Breakthroughs"),
    ("Tổ chức thực hiện", "Organisation of implementation"),
)

TASKS: Final = (
    ("Tổ chức học tập, quán triệt, tuyên truyền sâu rộng nội dung văn bản đến cán bộ, đảng viên và nhân dân",
     "Brief cadres, Party members and the people thoroughly on the document"),
    ("Cụ thể hóa các mục tiêu, chỉ tiêu thành kế hoạch hằng năm của ngành, địa phương, đơn vị",
     "Turn the goals and indicators into annual plans of each sector, locality and unit"),
    ("Rà soát, hoàn thiện cơ chế, chính sách thuộc thẩm quyền", "Review and improve mechanisms and policies"),
    ("Đẩy mạnh cải cách hành chính, cải thiện môi trường đầu tư kinh doanh",
     "Accelerate administrative reform and improve the business environment"),
    ("Huy động, sử dụng hiệu quả các nguồn lực đầu tư", "Mobilise and use investment resources effectively"),
    ("Phát triển hạ tầng số, dữ liệu số và nền tảng số dùng chung",
     "Develop digital infrastructure, data and shared platforms"),
    ("Nâng cao chất lượng nguồn nhân lực, thu hút nhân tài", "Raise the quality of human resources and attract talent"),
    ("Tăng cường kiểm tra, giám sát việc thực hiện", "Strengthen inspection and supervision of implementation"),
    ("Định kỳ sơ kết, tổng kết, báo cáo kết quả thực hiện", "Review and report on implementation periodically"),
    ("Bố trí kinh phí thực hiện trong dự toán ngân sách hằng năm", "Provide funding in the annual budget"),
    ("Phát triển doanh nghiệp, hợp tác xã và kinh tế tư nhân",
     "Develop enterprises, cooperatives and the private sector"),
    ("Bảo vệ môi trường, ứng phó với biến đổi khí hậu", "Protect the environment and respond to climate change"),
    ("Xây dựng đội ngũ cán bộ đủ phẩm chất, năng lực, uy tín",
     "Build a contingent of cadres with the right qualities, capacity and standing"),
    ("Đẩy mạnh chuyển đổi số trong hoạt động của các cơ quan", "Accelerate the digital transformation of agencies"),
    ("Bảo đảm quốc phòng, an ninh, trật tự an toàn xã hội", "Ensure defence, security, social order and safety"),
    ("Thực hiện tốt chính sách an sinh xã hội, giảm nghèo bền vững",
     "Carry out social security policies and reduce poverty sustainably"),
    ("Phát triển văn hóa, xây dựng con người đáp ứng yêu cầu phát triển",
     "Develop culture and people to meet development needs"),
    ("Nâng cao hiệu quả công tác dân vận, phát huy quyền làm chủ của nhân dân",
     "Make mass mobilisation more effective and promote the people's mastery"),
    ("Phòng, chống tham nhũng, lãng phí, tiêu cực", "Prevent corruption, waste and negative practices"),
    ("Quy hoạch, quản lý và phát triển đô thị, nông thôn", "Plan, manage and develop urban and rural areas"),
    ("Phát triển nông nghiệp sinh thái, nông thôn hiện đại, nông dân văn minh",
     "Develop ecological agriculture, modern rural areas and civilised farmers"),
    ("Đổi mới sáng tạo, ứng dụng khoa học, công nghệ vào sản xuất",
     "Innovate and apply science and technology to production"),
    ("Nâng cao chất lượng giáo dục và đào tạo", "Improve the quality of education and training"),
    ("Chăm sóc, bảo vệ và nâng cao sức khỏe nhân dân", "Care for, protect and improve the people's health"),
    ("Mở rộng hợp tác, hội nhập quốc tế", "Expand international cooperation and integration"),
    ("Sắp xếp tổ chức bộ máy tinh gọn, hoạt động hiệu lực, hiệu quả",
     "Streamline the apparatus so that it works effectively"),
    ("Xây dựng chính quyền số, phục vụ người dân và doanh nghiệp",
     "Build digital government serving people and businesses"),
    ("Phát triển hạ tầng giao thông, kết nối vùng", "Develop transport infrastructure and regional connectivity"),
)  # fmt: skip

SOURCES: Final = (
    Source("bench-01", "Tổng hợp văn bản chỉ đạo của Trung ương (dữ liệu tổng hợp)", "Cổng dữ liệu thử nghiệm"),
    Source("bench-02", "Các tỉnh ban hành chương trình hành động (dữ liệu tổng hợp)", "Báo điện tử mô phỏng"),
    Source("bench-03", "Kế hoạch triển khai của UBND các tỉnh (dữ liệu tổng hợp)", "Cổng thông tin mô phỏng"),
    Source("bench-04", "Văn bản cấp huyện (dữ liệu tổng hợp)", "Trang tin điện tử huyện mô phỏng"),
    Source("bench-05", "Văn bản cấp xã sau sắp xếp (dữ liệu tổng hợp)", "Trang tin điện tử xã mô phỏng"),
    Source("bench-06", "Chỉ tiêu phát triển kinh tế - xã hội (dữ liệu tổng hợp)", "Tạp chí mô phỏng"),
    Source("bench-07", "Phân công nhiệm vụ (dữ liệu tổng hợp)", "Bản tin mô phỏng"),
    Source("bench-08", "Rà soát văn bản (dữ liệu tổng hợp)", "Cơ sở dữ liệu mô phỏng"),
)
